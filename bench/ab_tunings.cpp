// clmnist-ab: two settings of the fused kernels side by side in one process. Each setting gets
// its own backend on the same device (its CLMNIST_* tunables applied while the backend is built);
// they train the theano protocol one epoch each, alternately, so both see the same machine load.
// Prints each setting's median and minimum microseconds per minibatch iteration and the median of
// the per-round ratios B / A: below 1 means B is faster.
//
//   clmnist-ab [--device SPEC] [--data-dir DIR] [--rounds N] [--same-batch] A B
//   A, B: comma-separated CLMNIST_*=VALUE settings or fused tunables (split=8), or "default"
//         for none, e.g. clmnist-ab default CLMNIST_SKIP_ZERO=0,CLMNIST_ROWS=2
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "device_select.hpp"
#include "mnist.hpp"
#include "platforms.hpp"
#include "presets.hpp"
#include "train_config.hpp"
#include "trainer.hpp"
#include "tunables.hpp"

namespace {

using namespace clmnist;
using Settings = std::vector<std::pair<std::string, std::string>>;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Settings parse_settings(const std::string& text) {
  Settings out;
  if (text == "default") return out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw UsageError("setting '" + item +
                       "' is not CLMNIST_NAME=VALUE or name=value (for example "
                       "CLMNIST_SKIP_ZERO=0 or split=8); use 'default' for no settings");
    }
    out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  if (out.empty()) throw UsageError("empty setting list; use 'default' for no settings");
  return out;
}

// A backend with the fused kernels' tunables of `settings` (CLMNIST_VEC, CLMNIST_ROWS,
// CLMNIST_SKIP_ZERO), each on top of the device's defaults.
std::unique_ptr<runtime::Backend> make_with(const runtime::DeviceDesc& device,
                                            const Settings& settings) {
  runtime::BackendOptions o;
  o.kernel_cache = false;
  for (const auto& [name, value] : settings) {
    if (name.rfind("CLMNIST_", 0) != 0) continue;  // a tunable: tunables_of
    if (value.find_first_not_of("0123456789") != std::string::npos || value.size() > 3) {
      throw UsageError(name + "=" + value + ": the value is not a small whole number");
    }
    const unsigned v = static_cast<unsigned>(std::stoul(value));
    // The values runtime/fused_executable.cpp accepts, named as the user wrote them.
    auto allowed = [&](std::initializer_list<unsigned> values, const char* list) {
      for (unsigned a : values) {
        if (a == v) return;
      }
      throw std::runtime_error(name + " must be one of " + list + ", not " + value);
    };
    if (name == "CLMNIST_VEC") {
      allowed({2, 4, 8, 16}, "2, 4, 8, 16");
      o.fused.vec = v;
    } else if (name == "CLMNIST_ROWS") {
      allowed({1, 2, 3, 4}, "1, 2, 3, 4");
      o.fused.rows = v;
    } else if (name == "CLMNIST_SKIP_ZERO") {
      allowed({0, 1}, "0, 1");
      o.fused.skip_zero = static_cast<int>(v);
    } else {
      throw UsageError("unknown setting '" + name +
                       "' (CLMNIST_VEC, CLMNIST_ROWS or CLMNIST_SKIP_ZERO)");
    }
  }
  return runtime::make_backend(device, o);
}

// The fused family's tunable names, as the registry lists them ("vec, rows, ...").
std::vector<std::string> fused_tunable_names() {
  std::vector<std::string> names;
  for (const runtime::FamilyInfo& f : runtime::kernel_families()) {
    if (f.impl != runtime::Impl::kFused) continue;
    std::istringstream in(f.tunables);
    for (std::string n; std::getline(in >> std::ws, n, ',');) names.push_back(n);
  }
  return names;
}

// The settings not named CLMNIST_*: tunables of the fused family (split=8). A name the family
// does not know is a usage error here, before any device opens; its values it checks itself.
runtime::Tunables tunables_of(const Settings& settings) {
  std::string text;
  for (const auto& [name, value] : settings) {
    if (name.rfind("CLMNIST_", 0) != 0) text += (text.empty() ? "" : ",") + name + "=" + value;
  }
  try {
    runtime::Tunables t = runtime::parse_tunables(text);
    runtime::check_tunables(t, "fused", fused_tunable_names(), 1);
    return t;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The command line: options, then the two settings A and B.
struct AbArgs {
  std::string device_spec = "auto", data_dir;
  int rounds = 15;
  bool same_batch = false;
  std::vector<std::string> positional;  // A and B, as given
};

const char* kUsage =
    "Usage: clmnist-ab [--device SPEC] [--data-dir DIR] [--rounds N (15)] "
    "[--same-batch] A B\n\nTrains the theano protocol with two settings of the "
    "fused kernels in one process, one epoch each, alternately, after a warm-up "
    "epoch; prints each one's median and minimum us per iteration and the median "
    "of the per-round ratios B / A (below 1: B is faster). A and B are "
    "comma-separated CLMNIST_*=VALUE settings (CLMNIST_VEC, CLMNIST_ROWS, "
    "CLMNIST_SKIP_ZERO), tunables of the fused family (vec=8, split=8; "
    "`clmnist tune --list` names them) or 'default', each on top of the device's "
    "defaults. "
    "--same-batch trains on the first minibatch "
    "every time, so the pixels stay in cache.\n";

// Parses argv into `args`; --help prints the usage and returns false. Throws UsageError.
bool parse_args(int argc, char** argv, AbArgs& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--device") {
      args.device_spec = value();
    } else if (arg == "--data-dir") {
      args.data_dir = value();
    } else if (arg == "--rounds") {
      const std::string v = value();
      args.rounds = std::atoi(v.c_str());
      if (args.rounds < 1 || args.rounds > 1000) {
        throw UsageError("--rounds must be 1 to 1000, not '" + v + "'");
      }
    } else if (arg == "--same-batch") {
      args.same_batch = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return false;
    } else if (!arg.empty() && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      args.positional.push_back(arg);
    }
  }
  if (args.positional.size() != 2) {
    throw UsageError("give exactly two settings, A and B (got " +
                     std::to_string(args.positional.size()) + "); see --help");
  }
  return true;
}

// A and B: each its own backend, with the network compiled and the training set uploaded.
struct Contenders {
  std::unique_ptr<runtime::Backend> backends[2];
  std::unique_ptr<runtime::Executable> execs[2];
  runtime::DatasetId train[2] = {0, 0};
};

// Microseconds per iteration of A and B, one value a round: an epoch each, alternately, after a
// warm-up round.
std::array<std::vector<double>, 2> time_alternately(Contenders& c, const AbArgs& args,
                                                    const model::TrainConfig& cfg,
                                                    std::size_t per_epoch) {
  const std::size_t batch = cfg.batch_size;
  const runtime::SgdStep step{static_cast<float>(cfg.learning_rate), 0.0f, 0.0f};
  std::array<std::vector<double>, 2> us;
  for (int r = 0; r <= args.rounds; ++r) {  // round 0 warms up
    for (int s = 0; s < 2; ++s) {
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k < per_epoch; ++k) {
        c.execs[s]->sgd_step(c.train[s], (args.same_batch ? 0 : k) * batch, batch, step);
      }
      c.backends[s]->finish();
      const std::chrono::duration<double, std::micro> dt = std::chrono::steady_clock::now() - t0;
      if (r > 0) us[s].push_back(dt.count() / static_cast<double>(per_epoch));
    }
  }
  return us;
}

void print_comparison(const runtime::DeviceDesc& device, const AbArgs& args, std::size_t per_epoch,
                      const std::array<std::vector<double>, 2>& us) {
  std::vector<double> ratios;
  for (std::size_t k = 0; k < us[0].size(); ++k) ratios.push_back(us[1][k] / us[0][k]);
  std::printf("device: %s; %d rounds of %zu minibatches%s\n", device.name.c_str(), args.rounds,
              per_epoch, args.same_batch ? " (the same minibatch)" : "");
  for (int s = 0; s < 2; ++s) {
    std::printf("%c %-40s median %8.1f us/iter, min %8.1f\n", s == 0 ? 'A' : 'B',
                args.positional[s].c_str(), median(us[s]),
                *std::min_element(us[s].begin(), us[s].end()));
  }
  std::printf("B / A: median ratio %.3f\n", median(ratios));
}

int run(int argc, char** argv) {
  AbArgs args;
  if (!parse_args(argc, argv, args)) return 0;
  const Settings settings[2] = {parse_settings(args.positional[0]),
                                parse_settings(args.positional[1])};
  const runtime::Tunables tunables[2] = {tunables_of(settings[0]), tunables_of(settings[1])};

  const std::vector<runtime::DeviceDesc> devices = runtime::list_devices();
  const runtime::DeviceDesc& device =
      devices[runtime::select_device(devices, args.device_spec).index];
  const model::MnistFiles files =
      model::find_mnist_files(args.data_dir.empty() ? model::default_data_dir() : args.data_dir);
  const model::TrainConfig cfg = model::preset_config("theano");
  const model::TrainData data = model::split_for_training(
      model::load_labeled_images(files.train_images, files.train_labels),
      model::load_labeled_images(files.test_images, files.test_labels), cfg);
  const std::size_t per_epoch = data.train.count / cfg.batch_size;
  if (per_epoch == 0) throw std::runtime_error("fewer training images than one minibatch");

  Contenders c;
  const runtime::NetworkSpec net =
      model::network_for(cfg, data.train.image_rows, data.train.image_cols, data.classes);
  for (int s = 0; s < 2; ++s) {
    c.backends[s] = make_with(device, settings[s]);
    runtime::CompileOptions options = model::compile_options(cfg, runtime::Impl::kFused);
    options.tunables = tunables[s];
    c.execs[s] = c.backends[s]->compile(net, options);
    c.train[s] = c.backends[s]->upload(data.train.view());
  }
  print_comparison(device, args, per_epoch, time_alternately(c, args, cfg, per_epoch));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "clmnist-ab: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "clmnist-ab: " << e.what() << "\n";
    return 1;
  }
}
