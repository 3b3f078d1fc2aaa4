// The per-device tuner behind `clmnist tune`: enumerates implementation families and their
// tunables for a network, checks each candidate against the host backend before timing it,
// times the survivors in alternating rounds (median) beside the built-in default, and re-checks
// the winner on more steps and a whole evaluation before it is stored.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "backend.hpp"
#include "train_config.hpp"
#include "trainer.hpp"

namespace clmnist::apps {

// One candidate: a forced family with its tunables ("default": impl auto, none).
struct Candidate {
  runtime::Impl impl = runtime::Impl::kAuto;
  runtime::Tunables tunables;
  std::string label() const;  // "gpu fwd_wg=128,..." / "default"
};

// The candidates of the families that may run `net` (only family `only` when it is not auto;
// cpu means fused where it fits, else dense), the default first, then the gpu family's when
// `gpu_first`, else the CPU families'.
std::vector<Candidate> tuning_candidates(const runtime::NetworkSpec& net, bool weight_decay,
                                         runtime::Impl only, bool gpu_first);

struct TuneOptions {
  runtime::Impl only = runtime::Impl::kAuto;
  std::size_t rounds = 5;        // alternating timing rounds
  double round_seconds = 0.02;   // at least this long each timing of a candidate
  double budget_seconds = 300;   // candidates beyond it are left out (and counted)
};

struct CandidateResult {
  Candidate candidate;
  std::string plan;           // runtime::describe of its plan
  std::string family;         // runtime::plan_impls of its plan ("gpu", "fused", "conv+dense")
  // The --impl that runs it again: its own family, or for the default the family of the plan's
  // last stage (a conv front end is the conv family's under every --impl).
  std::string impl;
  std::string rejected;       // why it did not run or disagreed with the host ("" if it ran)
  int same_as = -1;  // the index of an earlier candidate with the same kernels: not timed again
  double median_step_us = 0;  // of the timing rounds
};

struct TuneResult {
  std::vector<CandidateResult> results;  // every candidate, in enumeration order
  std::size_t winner = 0;  // results[0] is the built-in default
  std::size_t left_out = 0;  // candidates beyond the time budget
  std::string final_check;   // "" when the winner passed the longer check, else why not
};

TuneResult tune_device(const runtime::DeviceDesc& device, const runtime::BackendOptions& options,
                       const model::TrainConfig& cfg, const model::TrainData& data,
                       const TuneOptions& opt, std::ostream& log);

}  // namespace clmnist::apps
