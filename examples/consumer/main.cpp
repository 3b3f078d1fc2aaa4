// Uses the installed clmnist libraries: lists devices, picks one as `--device auto` would, and
// trains a small MLP (16-8 tanh-2) for a few epochs on a synthetic problem on the host backend.
#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>

#include "device_select.hpp"
#include "platforms.hpp"
#include "presets.hpp"
#include "trainer.hpp"

int main() {
  using namespace clmnist;
  const auto devices = runtime::list_devices();
  std::cout << runtime::format_device_table(devices);
  const auto pick = runtime::select_device(devices, "auto");
  std::cout << "auto: " << devices[pick.index].name << " (" << pick.reason << ")\n";

  // Two classes of 4x4 images: bright left half or bright right half.
  model::LabeledImages all;
  all.image_rows = all.image_cols = 4;
  std::mt19937 rng(1);
  for (int i = 0; i < 400; ++i) {
    const int c = i % 2;
    for (int r = 0; r < 4; ++r) {
      for (int col = 0; col < 4; ++col) {
        const bool on = (col < 2) == (c == 0);
        all.images.push_back(static_cast<std::uint8_t>(on ? 200 + rng() % 50 : rng() % 50));
      }
    }
    all.labels.push_back(static_cast<std::uint8_t>(c));
  }
  all.count = 400;
  model::TrainConfig cfg;
  cfg.hidden = 8;
  cfg.learning_rate = 0.1;
  cfg.batch_size = 20;
  cfg.max_epochs = 5;
  cfg.valid_size = 100;
  const model::TrainData data = model::split_for_training(all, all.slice(0, 100), cfg);
  auto backend = runtime::make_backend(runtime::host_device_desc(0), {});
  const runtime::NetworkSpec net = model::network_for(cfg, 4, 4, data.classes);
  auto exec = backend->compile(net, model::compile_options(cfg, runtime::Impl::kAuto));
  std::ostringstream log;
  const model::TrainResult r = model::train(*backend, *exec, data, cfg, log);
  std::printf("network %s, plan: %s\n", net.describe().c_str(),
              runtime::describe(exec->plan()).c_str());
  std::printf("trained %zu epochs; test error %.2f %%\n", r.epochs, 100.0 * r.test_error_all);
  return r.test_error_all < 0.05 ? 0 : 1;
}
