// Checkpoints: the full training state (train_config, loop position, early stopping, best model,
// current parameters) in a safetensors file, written atomically, so `clmnist train --resume`
// continues exactly where a run stopped.
#pragma once

#include <string>

#include "trainer.hpp"

namespace clmnist::model {

// Writes atomically (temporary file, fsync, rename): a crash at any moment leaves the previous
// checkpoint loadable. Throws Error when the file cannot be written.
void save_checkpoint(const std::string& path, const TrainState& state);

// Throws DataError naming the file and the problem.
TrainState load_checkpoint(const std::string& path);

}  // namespace clmnist::model
