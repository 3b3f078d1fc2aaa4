// One case of an executable against another (test_executables.cpp, test_conv_family.cpp): a
// few SGD steps from the same parameters, then the parameters, losses, evaluation and
// probabilities to compare.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "test_support.hpp"

namespace clmnist::test {

using runtime::Impl;

// The rows of a case's dataset and the three SGD steps run on it: (first, count) in order
// positions, the middle one smaller than the compiled batch.
struct Steps {
  std::size_t rows;
  std::vector<std::pair<std::size_t, std::size_t>> steps;
};
inline Steps steps_for(std::size_t batch) {
  Steps s;
  s.rows = 3 * batch + 6;
  s.steps = {{0, batch}, {batch + 1, (batch + 1) / 2}, {2 * batch + 2, batch}};
  return s;
}

struct Outcome {
  runtime::ParamValues params;
  std::vector<double> losses;  // train_loss of each step's rows
  runtime::EvalCounts eval;
  std::vector<float> probs;      // rows 2 .. rows - 2
  std::vector<float> all_probs;  // every row
};

// Runs the case on `be` (which must compile the network) and returns what there is to compare.
inline Outcome run_case(runtime::Backend& be, Impl impl, const runtime::NetworkSpec& net,
                        const test::Synthetic& data, const std::vector<std::uint32_t>& order,
                        std::size_t batch, const runtime::SgdStep& step,
                        const runtime::ParamValues& start, const runtime::Tunables& tunables = {}) {
  runtime::CompileOptions o;
  o.max_batch = batch;
  o.impl = impl;
  o.tunables = tunables;
  o.weight_decay = step.l1 != 0.0f || step.l2 != 0.0f;
  auto exec = be.compile(net, o);
  // Parameters start at zero.
  for (const auto& [name, values] : exec->read_params()) {
    INFO("parameter " << name);
    CHECK(values == std::vector<float>(values.size(), 0.0f));
  }
  const runtime::DatasetId id =
      be.upload({data.images.data(), data.labels.data(), data.rows, data.features});
  be.set_order(id, order);
  exec->write_params(start);
  const Steps s = steps_for(batch);
  for (const auto& [first, count] : s.steps) exec->sgd_step(id, first, count, step);
  Outcome out;
  out.params = exec->read_params();
  for (const auto& [first, count] : s.steps)
    out.losses.push_back(exec->train_loss(id, first, count));
  out.eval = exec->evaluate(id, data.rows - 4);
  out.probs = exec->predict(id, 2, data.rows - 3);
  out.all_probs = exec->predict(id, 0, data.rows);
  return out;
}

// Rows whose two most likely classes are within 1e-4 (where float rounding could swap them).
inline std::size_t near_ties(const std::vector<float>& probs, std::size_t classes) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + classes <= probs.size(); i += classes) {
    float top = -1, second = -1;
    for (std::size_t c = 0; c < classes; ++c) {
      const float p = probs[i + c];
      if (p > top) {
        second = top;
        top = p;
      } else if (p > second) {
        second = p;
      }
    }
    n += top - second < 1e-4f ? 1 : 0;
  }
  return n;
}

inline std::uint64_t off_by(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

inline runtime::DeviceDesc test_device() {
  runtime::DeviceDesc d;
  REQUIRE(find_test_device(d));
  return d;
}

}  // namespace clmnist::test
