// Reading bench records back (bench_read.hpp).
#include "bench_read.hpp"

#include <cmath>

#include "bench.hpp"
#include "errors.hpp"
#include "input_file.hpp"
#include "json_read.hpp"
#include "json_text.hpp"

namespace clmnist::apps {

using nlohmann::json;

BenchRecord read_bench_record(const std::string& file) {
  const std::string text = model::read_input_file(file, 64u << 20, "a bench record");
  BenchRecord r{file, json()};
  try {
    r.j = runtime::parse_json_bounded(text);
  } catch (const json::exception& e) {
    throw DataError(file + ": not a clmnist bench record (" + model::json_error_text(e) +
                    "); write one with clmnist bench --json FILE");
  }
  const json version = r.j.is_object() ? r.j.value("schema_version", json()) : json();
  if (!version.is_number_integer() || (version.get<int>() != 1 && version.get<int>() != 2)) {
    throw DataError(file + ": schema_version " +
                    (version.is_null() ? std::string("missing") : runtime::shown_json(version)) +
                    "; clmnist bench compare and report read records of `clmnist bench --json`, "
                    "schema 1 or " +
                    std::to_string(kBenchSchemaVersion) +
                    " (rerun that clmnist bench with this version)");
  }
  if (!r.j.value("devices", json()).is_array()) {
    throw DataError(file +
                    ": not a clmnist bench record (it has no devices list); write one "
                    "with clmnist bench --json FILE");
  }
  return r;
}

std::string field_text(const json& obj, const std::string& key, const std::string& absent) {
  if (!obj.is_object()) return absent;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absent;
  if (it->is_string()) return it->get<std::string>();
  return runtime::shown_json(*it);
}

double field_number(const json& obj, const std::string& key) {
  if (!obj.is_object()) return std::nan("");
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : std::nan("");
}

std::string record_preset(const json& record) {
  // Schema 1 has the preset among the options only.
  const std::string p = field_text(record.value("protocol", json::object()), "preset", "");
  return !p.empty() ? p : field_text(record.value("options", json::object()), "preset");
}

std::string record_batch(const json& record) {
  return field_text(record.value("protocol", json::object()), "batch_size");
}

std::size_t record_runs(const json& record) {
  double runs = field_number(record.value("protocol", json::object()), "timed_runs");
  if (std::isnan(runs)) runs = field_number(record.value("options", json::object()), "runs");
  return std::isnan(runs) || runs < 0 ? 0 : static_cast<std::size_t>(runs);
}

std::string record_date(const json& record) {
  std::string at = field_text(record.value("context", json::object()), "started_at");
  // 2026-12-07T20:20:11Z: the minute is enough to tell runs apart in a table.
  if (at.size() >= 16 && at[10] == 'T') at = at.substr(0, 10) + " " + at.substr(11, 5);
  return at;
}

std::string record_commit(const json& record) {
  const json context = record.value("context", json::object());
  const json dirty = context.value("dirty", json());
  return field_text(context, "commit") + (dirty.is_boolean() && dirty.get<bool>() ? " dirty" : "");
}

}  // namespace clmnist::apps
