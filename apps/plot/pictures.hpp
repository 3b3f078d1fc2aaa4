// The picture sets of `clmnist train --plot-dir` and `clmnist bench --plot-dir`, each as SVG and
// PNG.
#pragma once

#include <string>
#include <vector>

#include "bench.hpp"
#include "painter.hpp"
#include "trainer.hpp"

namespace clmnist::apps {

// The file names of each picture set, for checking the outputs before any work.
const std::vector<std::string>& training_picture_files();
const std::vector<std::string>& bench_picture_files();

// DIR/learning_curves, DIR/weights and DIR/confusion (.svg and .png), drawn; weights and
// confusion only with a best model. confusion: [k x k] counts of the best model on the test set,
// row = true class.
OutputFiles training_pictures(const std::string& dir, const model::TrainResult& r,
                              const std::vector<std::size_t>& confusion);

// DIR/devices (.svg and .png), drawn: training throughput per device and GEMM path, and mean
// time per kernel.
OutputFiles bench_pictures(const std::string& dir, const std::vector<DeviceBench>& results);

// Creates DIR if needed and writes the pictures as one group: all new, or all as they were.
void write_pictures(const std::string& dir, const OutputFiles& files);

}  // namespace clmnist::apps
