#include "tuning_cache.hpp"

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
constexpr const char* kFormat = "clmnist-tuning-1";

json to_json(const TuningEntry& e) {
  return {{"device", e.key.device},   {"vendor", e.key.vendor},
          {"driver", e.key.driver},   {"kernel_sources", e.key.sources},
          {"shape", e.key.shape},     {"impl", e.impl},
          {"tunables", e.tunables},   {"plan", e.plan},
          {"step_us", e.step_us},     {"default_step_us", e.default_step_us},
          {"tune_seconds", e.tune_seconds}, {"tuned_at", e.tuned_at},
          {"clmnist_version", e.clmnist_version}};
}

TuningEntry from_json(const json& j) {
  TuningEntry e;
  e.key = {j.at("device").get<std::string>(), j.at("vendor").get<std::string>(),
           j.at("driver").get<std::string>(), j.at("kernel_sources").get<std::string>(),
           j.at("shape").get<std::string>()};
  e.impl = j.at("impl").get<std::string>();
  e.tunables = j.at("tunables").get<runtime::Tunables>();
  e.plan = j.value("plan", "");
  e.step_us = j.value("step_us", 0.0);
  e.default_step_us = j.value("default_step_us", 0.0);
  e.tune_seconds = j.value("tune_seconds", 0.0);
  e.tuned_at = j.value("tuned_at", "");
  e.clmnist_version = j.value("clmnist_version", "");
  return e;
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

std::vector<TuningEntry> read_tuning_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  const std::string text = read_input_file(path, std::uint64_t{16} << 20, "tuning file");
  try {
    const json j = runtime::parse_json_bounded(text);
    if (j.value("format", "") != kFormat) {
      throw DataError(path + " is not a clmnist tuning file (no \"format\": \"" + kFormat +
                      "\"); move it away or delete it, then run clmnist tune again");
    }
    std::vector<TuningEntry> out;
    for (const json& e : j.at("entries")) out.push_back(from_json(e));
    return out;
  } catch (const json::exception& e) {
    throw DataError(path + " is not a valid clmnist tuning file (" + json_error_text(e) +
                    "); delete it and run clmnist tune again");
  }
}

std::optional<TuningEntry> find_tuning(const std::string& path, const TuningKey& key,
                                       std::string* problem) {
  if (path.empty()) return std::nullopt;
  std::vector<TuningEntry> entries;
  try {
    entries = read_tuning_file(path);
  } catch (const Error& e) {
    if (problem != nullptr) *problem = e.what();
    return std::nullopt;  // a broken file tunes nothing
  }
  for (const TuningEntry& e : entries) {
    if (e.key == key) return e;
  }
  return std::nullopt;
}

void store_tuning(const std::string& path, const TuningEntry& entry) {
  std::vector<TuningEntry> entries = read_tuning_file(path);
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
