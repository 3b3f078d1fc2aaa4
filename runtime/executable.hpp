// An executable: a network compiled onto one backend for minibatches of up to max_batch rows.
// It trains (SGD steps), evaluates and predicts over the backend's resident datasets, holds the
// parameters (read and written by name in their canonical layout) and reports its plan: which
// implementation runs each layer, with which build options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "network.hpp"

namespace clmnist::runtime {

using DatasetId = std::size_t;

// Error counts of one evaluation pass.
struct EvalCounts {
  std::uint64_t errors_counted = 0;  // among the first `counted` rows (the reference protocol)
  std::uint64_t errors_all = 0;      // among all rows
  double nll_sum_all = 0.0;          // summed NLL over all rows
};

// One SGD step's hyper-parameters: cost = mean NLL + l1 * sum|W| + l2 * sum W^2 over the
// parameters that decay; every parameter -= lr * gradient, all from the old values.
struct SgdStep {
  float lr = 0.0f;
  float l1 = 0.0f;
  float l2 = 0.0f;
};

// Which implementation runs a run of layers, and with which options ("-DVEC=16 ...").
struct PlanStep {
  std::size_t first_layer = 0, last_layer = 0;  // inclusive, 0-based
  std::string impl;                             // "fused", "dense", "clblast", "host"
  std::string options;
};
// "layers 0-0: fused (-DNUM_CLASSES=10 ...)"; one line per step joined by "; ".
std::string describe(const std::vector<PlanStep>& plan);
// The implementations of a plan, joined by "+" ("fused", "dense").
std::string plan_impls(const std::vector<PlanStep>& plan);

class Executable {
 public:
  virtual ~Executable() = default;
  Executable() = default;
  Executable(const Executable&) = delete;
  Executable& operator=(const Executable&) = delete;

  virtual const NetworkSpec& network() const = 0;
  virtual std::size_t max_batch() const = 0;
  virtual std::vector<PlanStep> plan() const = 0;

  // Parameters by name, canonical layout (network.hpp). Writes check the size.
  virtual void write_param(const std::string& name, const std::vector<float>& values) = 0;
  virtual std::vector<float> read_param(const std::string& name) = 0;
  void write_params(const ParamValues& values);
  ParamValues read_params();

  // One SGD step over rows order[first .. first + count): queued, no host sync.
  virtual void sgd_step(DatasetId id, std::size_t first, std::size_t count,
                        const SgdStep& step) = 0;
  // Mean training NLL of the rows at order positions [first, first + count), as computed by the
  // sgd_steps that visited them (before their update). Synchronises.
  virtual double train_loss(DatasetId id, std::size_t first, std::size_t count) = 0;
  // Errors of the current parameters over all rows in storage order. Synchronises.
  virtual EvalCounts evaluate(DatasetId id, std::size_t counted) = 0;
  // Class probabilities of rows [first, first + count) in storage order: [count x classes].
  virtual std::vector<float> predict(DatasetId id, std::size_t first, std::size_t count) = 0;
};

}  // namespace clmnist::runtime
