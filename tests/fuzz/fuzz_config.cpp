// libFuzzer target for the config file reader: any bytes either parse into entries that read back
// the same when written out again, or give a UsageError naming the file and the line.
#include <cstdint>
#include <string>

#include "cli_common.hpp"
#include "config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace clmnist::apps;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<ConfigEntry> entries;
  try {
    entries = parse_config_text(text, "fuzz.cfg");
  } catch (const UsageError& e) {
    if (std::string(e.what()).rfind("fuzz.cfg line ", 0) != 0) __builtin_trap();
    return 0;
  }
  std::string again, section;
  std::size_t last_line = 0;
  for (const ConfigEntry& e : entries) {
    if (e.key.empty() || e.line <= last_line || e.value.find('#') != std::string::npos ||
        e.value.find('\n') != std::string::npos) {
      __builtin_trap();  // the reader promised names, increasing lines and values without these
    }
    last_line = e.line;
    if (e.section != section) again += "[" + e.section + "]\n";
    section = e.section;
    again += e.key + " = " + e.value + "\n";
  }
  const std::vector<ConfigEntry> back = parse_config_text(again, "again.cfg");  // must not throw
  if (back.size() != entries.size()) __builtin_trap();
  for (std::size_t i = 0; i < back.size(); ++i) {
    if (back[i].section != entries[i].section || back[i].key != entries[i].key ||
        back[i].value != entries[i].value) {
      __builtin_trap();
    }
  }
  return 0;
}
