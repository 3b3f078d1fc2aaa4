// Reading `clmnist bench --json` records back, for `bench compare` and the results page: the
// file checked as a record of a schema this version reads, and its fields with absent or null
// values shown as such rather than thrown on.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace clmnist::apps {

struct BenchRecord {
  std::string file;
  nlohmann::json j;  // an object of schema_version 1 or 2
};

// The record in `file`. Throws DataError naming the file for anything but a bench record of
// schema 1 or 2.
BenchRecord read_bench_record(const std::string& file);

// The preset and minibatch a record measured ("?" where not recorded).
std::string record_preset(const nlohmann::json& record);
std::string record_batch(const nlohmann::json& record);
// How many timed runs each median is of (0 where not recorded).
std::size_t record_runs(const nlohmann::json& record);

// obj[key] as text: a string as it is, a number or boolean as JSON writes it, `absent` for a
// missing key or null.
std::string field_text(const nlohmann::json& obj, const std::string& key,
                       const std::string& absent = "?");
// obj[key] as a number; NaN for a missing key, null or anything not a number.
double field_number(const nlohmann::json& obj, const std::string& key);

// context.started_at as "2026-12-07 20:20", and the commit with " dirty" when the tree had local
// changes (as --version says).
std::string record_date(const nlohmann::json& record);
std::string record_commit(const nlohmann::json& record);

}  // namespace clmnist::apps
