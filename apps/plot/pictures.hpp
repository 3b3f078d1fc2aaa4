// The picture sets of `clmnist train --plot-dir` and `clmnist bench --plot-dir`, each as SVG and
// PNG.
#pragma once

#include <string>
#include <vector>

#include "bench.hpp"
#include "trainer.hpp"

namespace clmnist::apps {

// DIR/learning_curves, DIR/weights and DIR/confusion (.svg and .png). confusion: [k x k] counts
// of the best model on the test set, row = true class.
void write_training_pictures(const std::string& dir, const model::TrainResult& r,
                             const std::vector<std::size_t>& confusion);

// DIR/devices (.svg and .png): training throughput per device and GEMM path, and mean time per
// kernel.
void write_bench_pictures(const std::string& dir, const std::vector<DeviceBench>& results);

}  // namespace clmnist::apps
