// The config file reader (see config_file.hpp).
#include "config_file.hpp"

#include <algorithm>
#include <map>

#include "cli_common.hpp"
#include "shown_text.hpp"
#include "text.hpp"
#include "train_config.hpp"

namespace clmnist::apps {
namespace {

using runtime::trim;

bool is_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// A line of the file as a message shows it: at most 60 bytes, control bytes escaped.
std::string shown(const std::string& s) { return runtime::shown_text(s, 60); }

}  // namespace

const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = {"devices", "train",  "presets", "eval", "predict",
                                                 "bench",   "export", "tune",    "fetch"};
  return names;
}

bool is_option_of_some_command(const std::string& name) {
  // The options of every command but train's settings, which come from their table.
  static const std::vector<std::string> others = {"help",
                                                  "config",
                                                  "device",
                                                  "impl",
                                                  "gemm",
                                                  "no-kernel-cache",
                                                  "kernel-cache-dir",
                                                  "data-dir",
                                                  "save-model",
                                                  "summary-json",
                                                  "history",
                                                  "plot-dir",
                                                  "quiet",
                                                  "verbose",
                                                  "checkpoint",
                                                  "resume",
                                                  "model",
                                                  "batch-size",
                                                  "count",
                                                  "json",
                                                  "image",
                                                  "raw",
                                                  "save-prepared",
                                                  "format",
                                                  "output",
                                                  "csv",
                                                  "html",
                                                  "runs",
                                                  "quick",
                                                  "families",
                                                  "preset",
                                                  "tune",
                                                  "tuning-file",
                                                  "rounds",
                                                  "budget",
                                                  "list",
                                                  "list-variants",
                                                   "from",
                                                   "record",
                                                   "baseline",
                                                   "plot"};
  if (std::find(others.begin(), others.end(), name) != others.end()) return true;
  for (const model::Setting& s : model::train_settings()) {
    if (s.option != nullptr && name == s.option) return true;
  }
  return false;
}

std::vector<ConfigEntry> parse_config_text(const std::string& text, const std::string& path) {
  std::vector<ConfigEntry> entries;
  std::map<std::pair<std::string, std::string>, std::size_t> seen;  // (section, key) -> line
  std::string section;
  std::size_t line_no = 0;
  // A UTF-8 byte order mark (what some editors write first) is no part of the first key.
  const std::size_t start = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  for (std::size_t pos = start; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string where = path + " line " + std::to_string(line_no);
    if (line.find('\0') != std::string::npos) {
      throw UsageError(where + ": a NUL byte; a config file is text");
    }
    line = trim(line.substr(0, line.find('#')));  // '#' starts a comment
    if (line.empty()) continue;
    if (line.front() == '[') {
      const std::string name = line.back() == ']' ? trim(line.substr(1, line.size() - 2)) : "";
      const auto& commands = command_names();
      if (std::find(commands.begin(), commands.end(), name) == commands.end()) {
        std::string sections;
        for (const std::string& c : commands)
          sections += (sections.empty() ? "[" : ", [") + c + "]";
        throw UsageError(where + ": '" + shown(line) +
                         "' is not a section of a command; sections are " + sections);
      }
      section = name;
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) {
      throw UsageError(where + ": '" + shown(line) +
                       "' is not a setting; write 'name = value' with the long option's name "
                       "without --, e.g. 'learning-rate = 0.05'");
    }
    ConfigEntry e{section, trim(line.substr(0, eq)), trim(line.substr(eq + 1)), line_no};
    if (!is_name(e.key)) {
      throw UsageError(where + ": '" + shown(e.key) +
                       "' is not an option name; names are the long options without --, in "
                       "lower case, e.g. 'learning-rate'");
    }
    const auto [it, added] = seen.emplace(std::make_pair(section, e.key), line_no);
    if (!added) {
      throw UsageError(where + ": '" + e.key + "' was already set at line " +
                       std::to_string(it->second) + "; keep one of the two");
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace clmnist::apps
