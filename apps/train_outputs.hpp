// The files `clmnist train` writes besides the model: the run summary (--summary-json) and the
// validation history (--history).
#pragma once

#include <string>
#include <vector>

#include "backend.hpp"
#include "train_config.hpp"
#include "trainer.hpp"
#include "tuning_choice.hpp"

namespace clmnist::apps {

// Everything the summary describes.
struct RunDescription {
  const runtime::BackendInfo& info;
  const std::vector<runtime::PlanStep>& plan;
  const runtime::NetworkSpec& net;
  const runtime::CompileOptions& compile;
  const TuningChoice& tuning;
  const model::TrainConfig& cfg;
};

// The --summary-json text: device, settings, network, plan, tuning and results.
std::string summary_json_text(const RunDescription& run, const model::TrainResult& r,
                              std::size_t device_bytes);

enum class HistoryFormat { kCsv, kJson };
// The format of --history FILE by its extension (.csv or .json, any case). Throws UsageError
// naming the file and the extensions allowed for any other.
HistoryFormat history_format(const std::string& path);
// One row per validation: epoch, iteration (minibatches run), train_loss (mean minibatch cost
// since the previous validation), validation_error, test_error (fractions; empty in CSV and null
// in JSON where the test set was not evaluated), learning_rate and seconds (training time so far).
std::string history_text(const std::vector<model::ValidationRecord>& history, HistoryFormat format);

}  // namespace clmnist::apps
