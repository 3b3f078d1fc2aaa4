// Config files (--config FILE, CLMNIST_CONFIG): lines 'name = value' with names as the long
// options without --, '#' comments, blank lines, and [command] sections. One file serves every
// command: a key applies to each command that has that option, and a key in a [train] section
// to train only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace clmnist::apps {

struct ConfigEntry {
  std::string section;  // "" before any [command] line
  std::string key;
  std::string value;
  std::size_t line = 0;  // 1-based
};

// The entries of a config file's text, in order. Throws UsageError naming `path`, the line, the
// problem and the fix: a line that is neither 'name = value', a comment nor '[command]'; a
// section that names no command; a name set twice in one section.
std::vector<ConfigEntry> parse_config_text(const std::string& text, const std::string& path);

// The commands of clmnist, and every long option any of them takes (a config key that no command
// knows is an error; one that another command knows is not). cli: config_applies_per_command
// checks these against every command's --help.
const std::vector<std::string>& command_names();
bool is_option_of_some_command(const std::string& name);

}  // namespace clmnist::apps
