// Summary and history files of `clmnist train` (see train_outputs.hpp).
#include "train_outputs.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "json_text.hpp"
#include "output_file.hpp"
#include "number_text.hpp"
#include "tunables.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

// Every setting of the table, typed.
nlohmann::ordered_json settings_json(const model::TrainConfig& c) {
  nlohmann::ordered_json j;
  for (const model::Setting& s : model::train_settings()) {
    std::visit([&](auto member) { j[s.key] = c.*member; }, s.field);
  }
  return j;
}

}  // namespace

std::string summary_json_text(const RunDescription& run, const model::TrainResult& r,
                              std::size_t device_bytes) {
  const runtime::BackendInfo& info = run.info;
  nlohmann::ordered_json j;
  j["device"] = {{"backend", info.backend},
                 {"name", info.name},
                 {"vendor", info.vendor},
                 {"platform", info.platform},
                 {"type", info.type},
                 {"driver", info.driver},
                 {"gemm_path", runtime::plan_impls(run.plan)}};
  j["preset"] = run.cfg.preset;
  j["settings"] = settings_json(run.cfg);
  j["network"] = nlohmann::ordered_json::parse(runtime::to_json(run.net));
  j["plan"] = nlohmann::ordered_json::array();
  for (const runtime::PlanStep& p : run.plan) {
    j["plan"].push_back({{"first_layer", p.first_layer + 1},
                         {"last_layer", p.last_layer + 1},
                         {"impl", p.impl},
                         {"options", p.options}});
  }
  const TuningChoice& tuning = run.tuning;
  j["tuning"] = {{"source", tuning.source},
                 {"tunables", runtime::to_string(run.compile.tunables)},
                 {"file", tuning.file.empty() ? nlohmann::ordered_json(nullptr)
                                              : nlohmann::ordered_json(tuning.file)},
                 {"tuned_at", tuning.tuned_at.empty() ? nlohmann::ordered_json(nullptr)
                                                      : nlohmann::ordered_json(tuning.tuned_at)}};
  j["epochs"] = r.epochs;
  j["iterations"] = r.iterations;
  j["best_epoch"] =
      r.has_best() ? nlohmann::ordered_json(r.best_epoch) : nlohmann::ordered_json(nullptr);
  // null where nothing was measured (no validation ran)
  const auto measured = [&](double v) {
    return r.has_best() ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  };
  j["best_validation_error"] = measured(r.best_validation_error);
  j["test_error"] = measured(r.test_error);
  j["best_validation_error_all"] = measured(r.best_validation_error_all);
  j["test_error_all"] = measured(r.test_error_all);
  j["validation_samples_counted"] = r.valid_counted;
  j["validation_samples"] = r.valid_rows;
  j["test_samples_counted"] = r.test_counted;
  j["test_samples"] = r.test_rows;
  j["train_seconds"] = r.train_seconds;
  j["epochs_per_second"] = static_cast<double>(r.epochs) / r.train_seconds;
  j["device_memory_bytes"] = device_bytes;
  return model::json_text(j, 2) + "\n";
}

HistoryFormat history_format(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  std::string ext = dot == std::string::npos || path.find('/', dot) != std::string::npos
                        ? std::string()
                        : path.substr(dot + 1);
  ext = runtime::lowercase(ext);
  if (ext == "csv" || model::output_stream_fd(path) >= 0) return HistoryFormat::kCsv;
  if (ext == "json") return HistoryFormat::kJson;
  throw UsageError("--history '" + path +
                   "': the format comes from the extension, and this one is neither .csv nor "
                   ".json; name the file e.g. history.csv or history.json");
}

std::string history_text(const std::vector<model::ValidationRecord>& history,
                         HistoryFormat format) {
  if (format == HistoryFormat::kCsv) {
    std::string out =
        "epoch,iteration,train_loss,validation_error,test_error,learning_rate,seconds\n";
    for (const model::ValidationRecord& v : history) {
      out += std::to_string(v.epoch) + "," + std::to_string(v.iteration + 1) + "," +
             shortest(v.recent_train_loss) + "," + shortest(v.validation_error) + "," +
             (v.test_error < 0 ? std::string() : shortest(v.test_error)) + "," +
             shortest(v.learning_rate) + "," + shortest(v.seconds) + "\n";
    }
    return out;
  }
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const model::ValidationRecord& v : history) {
    rows.push_back({{"epoch", v.epoch},
                    {"iteration", v.iteration + 1},
                    {"train_loss", v.recent_train_loss},
                    {"validation_error", v.validation_error},
                    {"test_error", v.test_error < 0 ? nlohmann::ordered_json(nullptr)
                                                    : nlohmann::ordered_json(v.test_error)},
                    {"learning_rate", v.learning_rate},
                    {"seconds", v.seconds}});
  }
  return model::json_text(rows, 2) + "\n";
}

}  // namespace clmnist::apps
