#include "tuning_cache.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "json_read.hpp"
#include "json_text.hpp"
#include "input_file.hpp"
#include "output_file.hpp"
#include "user_dirs.hpp"

namespace clmnist::model {
namespace {

using nlohmann::json;
using runtime::shown_json;
constexpr const char* kFormat = "clmnist-tuning-1";
// What --tune takes (runtime::parse_tunables: up to 9 digits); each family checks its own ranges.
constexpr double kMaxTunable = 999999999.0;

json to_json(const TuningEntry& e) {
  return {{"device", e.key.device},   {"vendor", e.key.vendor},
          {"driver", e.key.driver},   {"kernel_sources", e.key.sources},
          {"shape", e.key.shape},     {"impl", e.impl},
          {"tunables", e.tunables},   {"plan", e.plan},
          {"step_us", e.step_us},     {"default_step_us", e.default_step_us},
          {"tune_seconds", e.tune_seconds}, {"tuned_at", e.tuned_at},
          {"clmnist_version", e.clmnist_version}};
}

// A bad entry's problem, thrown while it is read and caught per entry.
struct BadEntry {
  std::string why;
};

std::string text(const json& j, const char* name, bool required) {
  const auto it = j.find(name);
  if (it == j.end() && !required) return "";
  if (it == j.end() || !it->is_string()) {
    throw BadEntry{std::string("\"") + name + "\" is " +
                   (it == j.end() ? "missing" : shown_json(*it)) + ", not a text"};
  }
  return it->get<std::string>();
}

double seconds(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end()) return 0.0;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
    throw BadEntry{std::string("\"") + name + "\" is " + shown_json(*it) +
                   ", not a number of 0 or more"};
  }
  return it->get<double>();
}

// Each value is checked as the number it is (-1 or 1e10 are not whole numbers in range, never
// wrapped into one) before it becomes an unsigned.
runtime::Tunables tunables(const json& j) {
  const auto it = j.find("tunables");
  if (it == j.end() || !it->is_object()) {
    const std::string is = it == j.end() ? "missing" : shown_json(*it);
    throw BadEntry{"\"tunables\" is " + is + ", not an object of NAME: N"};
  }
  runtime::Tunables out;
  for (const auto& [name, v] : it->items()) {
    const double d = v.is_number() ? v.get<double>() : -1.0;
    if (!v.is_number() || !(d >= 0 && d <= kMaxTunable) || d != std::floor(d)) {
      throw BadEntry{"tunable " + shown_json(json(name)) + " is " + shown_json(v) +
                     ", not a whole number from 0 to 999999999"};
    }
    out[name] = static_cast<unsigned>(d);
  }
  return out;
}

TuningEntry from_json(const json& j) {
  if (!j.is_object()) throw BadEntry{"it is " + shown_json(j) + ", not an object"};
  TuningEntry e;
  e.key = {text(j, "device", true), text(j, "vendor", true), text(j, "driver", true),
           text(j, "kernel_sources", true), text(j, "shape", true)};
  e.impl = text(j, "impl", true);
  e.tunables = tunables(j);
  e.plan = text(j, "plan", false);
  e.step_us = seconds(j, "step_us");
  e.default_step_us = seconds(j, "default_step_us");
  e.tune_seconds = seconds(j, "tune_seconds");
  e.tuned_at = text(j, "tuned_at", false);
  e.clmnist_version = text(j, "clmnist_version", false);
  return e;
}

// The whole file's JSON, or DataError naming the file and the fix.
json tuning_json(const std::string& path, const std::string& text) {
  const std::string fix = "; move it away or delete it, then run clmnist tune again";
  json j;
  try {
    j = runtime::parse_json_bounded(text);
  } catch (const json::parse_error& e) {
    throw DataError(path + " is not a clmnist tuning file (not JSON: an error at byte " +
                    std::to_string(e.byte) + ")" + fix);
  } catch (const json::exception& e) {
    throw DataError(path + " is not a clmnist tuning file (" + json_error_text(e) + ")" + fix);
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != kFormat) {
    throw DataError(path + " is not a clmnist tuning file (no \"format\": \"" + kFormat + "\")" +
                    fix);
  }
  if (!j.contains("entries") || !j["entries"].is_array()) {
    throw DataError(path + " is not a clmnist tuning file (\"entries\" is not a list)" + fix);
  }
  return j;
}

}  // namespace

bool TuningKey::operator==(const TuningKey& o) const {
  return device == o.device && vendor == o.vendor && driver == o.driver && sources == o.sources &&
         shape == o.shape;
}

TuningKey tuning_key(const runtime::DeviceDesc& device, const runtime::NetworkSpec& net,
                     const runtime::CompileOptions& options) {
  return {device.name,
          device.vendor,
          device.driver_version,
          runtime::kernel_sources_hash(),
          net.describe() + ", batch " + std::to_string(options.max_batch) +
              (options.weight_decay ? ", decay" : "")};
}

std::string default_tuning_file() {
  return user_dir("CLMNIST_TUNING_FILE", "XDG_CACHE_HOME", ".cache", "tuning.json");
}

std::string skipped_entry(const std::string& path, std::size_t number, const std::string& why) {
  return "tuning file " + path + ", entry " + std::to_string(number) + ": " + why +
         "; the entry is skipped (`clmnist tune` measures it again)";
}

std::vector<TuningEntry> read_tuning_file(const std::string& path,
                                          std::vector<std::string>* skipped) {
  // None yet is no tuning; anything else that hides the file (a loop of links, a directory
  // that cannot be searched) is said, not taken for none.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    throw DataError("tuning file " + path + ": cannot see it: " + std::strerror(errno));
  }
  const json j = tuning_json(path, read_input_file(path, std::uint64_t{16} << 20, "tuning file"));
  std::vector<TuningEntry> out;
  for (std::size_t i = 0; i < j["entries"].size(); ++i) {
    try {
      out.push_back(from_json(j["entries"][i]));
      out.back().number = i + 1;
    } catch (const BadEntry& bad) {
      if (skipped != nullptr) skipped->push_back(skipped_entry(path, i + 1, bad.why));
    }
  }
  return out;
}

std::optional<TuningEntry> find_tuning(const std::string& path, const TuningKey& key,
                                       std::vector<std::string>* problems) {
  if (path.empty()) return std::nullopt;
  std::vector<TuningEntry> entries;
  try {
    entries = read_tuning_file(path, problems);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (problems != nullptr) problems->push_back(what + "; using the built-in kernel settings");
    return std::nullopt;  // a broken file tunes nothing
  }
  for (const TuningEntry& e : entries) {
    if (e.key == key) return e;
  }
  return std::nullopt;
}

void store_tuning(const std::string& path, const TuningEntry& entry) {
  std::vector<TuningEntry> entries = read_tuning_file(path);  // bad entries are left out
  json list = json::array();
  for (const TuningEntry& e : entries) {
    if (!(e.key == entry.key)) list.push_back(to_json(e));
  }
  list.push_back(to_json(entry));
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  write_file_atomic(path, json{{"format", kFormat}, {"entries", list}}.dump(2) + "\n");
}

}  // namespace clmnist::model
