// Command-line helpers shared by the subcommands.
#include "cli_common.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "cli_help.hpp"
#include "device_select.hpp"
#include "input_file.hpp"
#include "output_file.hpp"
#include "platforms.hpp"
#include "shown_text.hpp"
#include "text.hpp"
#include "tuning_cache.hpp"
#include "user_dirs.hpp"

namespace clmnist::apps {

void add_device_options(po::options_description& desc, DeviceOptions& opts, bool allow_all) {
  const std::string device_help =
      std::string(
          "device: auto (default; discrete GPU > GPU > accelerator > OpenCL CPU > host), "
          "host, cpu, gpu, accelerator, P:D, an index from `clmnist devices`, or part of a "
          "name or vendor (nvidia, intel, pocl)") +
      (allow_all ? "; all = every device" : "") + ". Default: $CLMNIST_DEVICE, else " +
      (allow_all ? "all" : "auto");
  desc.add_options()                                                                    //
      ("device,d", po::value(&opts.device)->value_name("DEVICE"), device_help.c_str())  //
      ("impl", po::value(&opts.impl)->default_value("auto")->value_name("NAME"),
       "kernels on OpenCL devices: auto (the tuned choice cached by `clmnist tune` for this "
       "device and network, else the device class's default: cpu on CPUs, gpu elsewhere), cpu "
       "(fused for softmax regression, else dense), gpu, clblast; or a family by name: fused, "
       "dense, conv. A convolutional front end always runs on conv (cl/conv.cl), the dense "
       "layers after it on the family named (dense or gpu; conv: dense), else the default")  //
      ("gemm", po::value(&opts.gemm)->value_name("NAME"), "the old name of --impl")  //
      ("tune", po::value(&opts.tune)->value_name("NAME=N,..."),
       "tunables for this run, NAME=N,... (L2.NAME=N for layer 2 only), overriding a tuned or "
       "default choice; `clmnist tune --list` names them per family")  //
      ("tuning-file", po::value(&opts.tuning_file)->value_name("FILE"),
       "the tuned choices of `clmnist tune` (default: $CLMNIST_TUNING_FILE, else "
       "$XDG_CACHE_HOME/clmnist/tuning.json, else ~/.cache/clmnist/tuning.json)")  //
      ("no-kernel-cache", po::bool_switch(&opts.no_kernel_cache),
       "compile kernels from source, bypassing the on-disk binary cache")  //
      ("kernel-cache-dir", po::value(&opts.kernel_cache_dir)->value_name("DIR"),
       "kernel binary cache directory (default: $CLMNIST_CACHE_DIR, else "
       "$XDG_CACHE_HOME/clmnist/kernels, else ~/.cache/clmnist/kernels)");
}

void validate(boost::any& v, const std::vector<std::string>& values, Whole*, int) {
  po::validators::check_first_occurrence(v);
  const std::string& s = po::validators::get_single_string(values);
  const std::string range =
      "a whole number from 0 to " + std::to_string(std::numeric_limits<std::size_t>::max());
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
    throw po::error_with_option_name("the argument ('" + s +
                                     "') for option '%canonical_option%' "
                                     "is not " +
                                     range);
  }
  try {
    v = Whole{static_cast<std::size_t>(std::stoull(s))};
  } catch (const std::out_of_range&) {
    throw po::error_with_option_name("the argument ('" + s +
                                     "') for option '%canonical_option%' "
                                     "is not " +
                                     range);
  }
}

std::ostream& operator<<(std::ostream& out, const Whole& w) { return out << w.value; }

runtime::Impl impl_choice(const DeviceOptions& opts) {
  if (!opts.gemm.empty() && opts.impl != "auto" && opts.gemm != opts.impl) {
    throw UsageError("--gemm '" + opts.gemm + "' and --impl '" + opts.impl +
                     "' disagree; give --impl only");
  }
  const std::string& name = opts.gemm.empty() ? opts.impl : opts.gemm;
  try {
    return runtime::parse_impl(name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--impl: ") + e.what());
  }
}

namespace {

// CLMNIST_VEC and friends: an app-level alias of the fused kernels' tunables.
unsigned env_unsigned(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return 0;
  const std::string s(v);
  if (s.find_first_not_of("0123456789") != std::string::npos || s.size() > 3) {
    throw UsageError(std::string(name) + " '" + s + "' is not a small whole number");
  }
  return static_cast<unsigned>(std::stoul(s));
}

}  // namespace

runtime::BackendOptions backend_options(const DeviceOptions& opts) {
  runtime::BackendOptions o;
  o.warn = warn_once;
  impl_choice(opts);  // rejects a bad --impl before any work
  o.fused.vec = env_unsigned("CLMNIST_VEC");
  o.fused.rows = env_unsigned("CLMNIST_ROWS");
  const char* skip = std::getenv("CLMNIST_SKIP_ZERO");
  if (skip != nullptr && *skip != '\0')
    o.fused.skip_zero = static_cast<int>(env_unsigned("CLMNIST_SKIP_ZERO"));
  o.kernel_cache = !opts.no_kernel_cache;
  o.cache_dir =
      opts.kernel_cache_dir.empty() ? model::default_kernel_cache_dir() : opts.kernel_cache_dir;
  // A file where the cache directory goes would cache nothing, without a word.
  std::error_code ec;
  if (o.kernel_cache && std::filesystem::exists(o.cache_dir, ec) &&
      !std::filesystem::is_directory(o.cache_dir, ec)) {
    throw UsageError((opts.kernel_cache_dir.empty() ? std::string("the kernel cache directory")
                                                    : std::string("--kernel-cache-dir")) +
                     " '" + o.cache_dir +
                     "' is not a directory; remove it, name a directory, or give "
                     "--no-kernel-cache");
  }
  return o;
}

std::unique_ptr<runtime::Executable> compile_network(runtime::Backend& backend,
                                                     const runtime::NetworkSpec& net,
                                                     const runtime::CompileOptions& options) {
  try {
    return backend.compile(net, options);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

namespace {

// The platforms that failed to list their devices, one line each; "" when none.
std::string failed_platforms(const std::vector<runtime::PlatformDesc>& platforms) {
  std::vector<runtime::PlatformDesc> failed;
  std::copy_if(platforms.begin(), platforms.end(), std::back_inserter(failed),
               [](const runtime::PlatformDesc& p) { return !p.error.empty(); });
  return runtime::format_platform_notes(failed);
}

// A P:D device spec whose number is too large for an int (std::stoi in the runtime) is a usage
// error like any other device that does not exist; platforms that failed are named either way.
template <class F>
auto with_device_spec(const runtime::DeviceListing& listing, const std::string& spec,
                      std::ostream& warn, F&& select) -> decltype(select()) {
  const std::string failed = failed_platforms(listing.platforms);
  const std::string note =
      failed.empty() ? std::string()
                     : "OpenCL platforms that failed to list their devices (none of theirs "
                       "could be chosen; `clmnist devices` shows every platform):\n" + failed;
  try {
    auto chosen = select();
    if (!note.empty()) warn << "clmnist: warning: " << note;
    return chosen;
  } catch (const std::out_of_range&) {
    throw UsageError("--device '" + spec +
                     "': no platform or device has a number that large; `clmnist devices` "
                     "lists them" + (note.empty() ? "" : "\n" + note));
  } catch (const clmnist::DeviceNotFound& e) {
    if (note.empty()) throw;
    throw clmnist::DeviceNotFound(std::string(e.what()) + "\n" + note);
  }
}

}  // namespace

runtime::Selection select_device_checked(const runtime::DeviceListing& listing,
                                         const std::string& spec, std::ostream& warn) {
  return with_device_spec(listing, spec, warn,
                          [&] { return runtime::select_device(listing.devices, spec); });
}

std::vector<runtime::Selection> select_devices_checked(const runtime::DeviceListing& listing,
                                                       const std::string& spec,
                                                       std::ostream& warn) {
  return with_device_spec(listing, spec, warn,
                          [&] { return runtime::select_devices(listing.devices, spec); });
}

OpenedBackend open_backend(const DeviceOptions& opts, std::ostream& log) {
  const runtime::BackendOptions bo = backend_options(opts);
  const runtime::DeviceListing listing = runtime::list_platforms();
  const std::string spec =
      runtime::effective_device_spec(opts.device, std::getenv("CLMNIST_DEVICE"));
  const runtime::Selection sel = select_device_checked(listing, spec, std::cerr);
  OpenedBackend out;
  out.device = listing.devices[sel.index];
  // "(CPU, Portable Computing Language)"; the host backend's type and platform are one word.
  const std::string type = runtime::to_string(out.device.type);
  const std::string line =
      "Device #" + std::to_string(out.device.flat_index) + " [" + out.device.address() + "] " +
      runtime::shown_text(out.device.name) + " (" +
      runtime::shown_text(type == out.device.platform ? type : type + ", " + out.device.platform) +
      "): " + sel.reason;
  log << runtime::wrap_line(line, text_width(), 2) << "\n";
  out.backend = runtime::make_backend(out.device, bo);
  return out;
}

std::string device_address_line(const runtime::DeviceDesc& device) {
  return "Device address: " + runtime::shown_text(device.stable_address) +
         (device.pci_bus_id.empty() ? "" : ", pci:" + runtime::shown_text(device.pci_bus_id)) +
         (device.uuid.empty() ? "" : ", uuid:" + runtime::shown_text(device.uuid)) + "\n";
}

void require_positive_finite(const std::string& option, double value) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw UsageError("--" + option + " must be a positive finite number, not " +
                     std::to_string(value));
  }
}

void require_at_least(const std::string& option, std::size_t value, std::size_t minimum) {
  if (value < minimum) {
    throw UsageError("--" + option + " must be at least " + std::to_string(minimum) + ", not " +
                     std::to_string(value));
  }
}

void require_directory(const std::string& option, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw UsageError("--" + option + " '" + path + "' is not a directory (" +
                     (err == ENOENT  ? std::string("it does not exist")
                      : err == ELOOP ? std::string("a loop of symbolic links")
                                     : std::string(std::strerror(err))) +
                     ")");
  }
  if (!S_ISDIR(st.st_mode)) {
    throw UsageError("--" + option + " '" + path + "' is not a directory");
  }
}

void require_readable_file(const std::string& option, const std::string& path) {
  if (const std::string why = model::input_problem(path); !why.empty()) {
    throw UsageError("--" + option + " '" + path + "': " + why);
  }
}

namespace {

// Whether writing `a` would land in file `b` (or the other way): both resolved as the writer
// resolves them (model::write_target, so a dangling link counts as its target), then compared as
// files where both exist (hard links, bind mounts) and as normalized paths where one does not.
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ea, eb;
  const fs::path ta = model::write_target(a), tb = model::write_target(b);
  if (fs::exists(ta, ea) && fs::exists(tb, eb)) return fs::equivalent(ta, tb, ea);
  const fs::path ra = fs::weakly_canonical(fs::absolute(ta, ea), ea);
  const fs::path rb = fs::weakly_canonical(fs::absolute(tb, eb), eb);
  return !ea && !eb && ra == rb;
}

bool is_character_device(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_character_file(path, ec);
}

}  // namespace

void require_distinct_files(const std::vector<NamedPath>& outputs,
                            const std::vector<NamedPath>& inputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    if (out.path.empty()) continue;
    for (const NamedPath& in : inputs) {
      if (model::output_stream_fd(out.path) >= 0) break;  // a stream, not a file
      if (!in.path.empty() && same_file(out.path, in.path)) {
        throw UsageError("--" + out.option + " '" + out.path + "' is the " + in.option + " '" +
                         in.path +
                         "' this command reads; writing it would destroy it. Choose "
                         "another output");
      }
    }
    if (is_character_device(out.path) || model::output_stream_fd(out.path) >= 0) continue;
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      if (!outputs[j].path.empty() && same_file(out.path, outputs[j].path)) {
        throw UsageError("--" + out.option + " '" + out.path + "' and --" + outputs[j].option +
                         " '" + outputs[j].path + "' are the same file; give each its own");
      }
    }
  }
}

NamedPath config_input(const po::variables_map& vm) {
  return {"config", vm.count("config") != 0U ? vm["config"].as<std::string>() : std::string()};
}

std::vector<NamedPath> data_inputs(const model::MnistFiles& files) {
  return {{"data file", files.train_images},
          {"data file", files.train_labels},
          {"data file", files.test_images},
          {"data file", files.test_labels}};
}

NamedPath tuning_input(const std::string& tuning_file) {
  return {"tuning-file", tuning_file.empty() ? model::default_tuning_file() : tuning_file};
}

void require_output_dir(const std::string& option, const std::string& dir,
                        const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(dir, ec)) && !fs::exists(dir, ec) &&
      ec.value() == ELOOP) {
    throw UsageError("--" + option + " '" + dir + "' is a loop of symbolic links; give a directory");
  }
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) {
      throw UsageError("--" + option + " '" + dir + "' is not a directory; give a directory");
    }
    for (const std::string& f : files) require_writable_target(option, dir + "/" + f);
    return;
  }
  fs::path parent = fs::absolute(dir, ec).parent_path();
  while (!parent.empty() && !fs::exists(parent, ec) && parent != parent.parent_path()) {
    parent = parent.parent_path();
  }
  // Tried, not asked: access() says yes to root anywhere, and /proc takes no directory.
  std::string probe = (parent / ".clmnist-probe-XXXXXX").string();
  const bool creatable = fs::is_directory(parent, ec) && ::mkdtemp(probe.data()) != nullptr;
  if (creatable) ::rmdir(probe.c_str());
  if (!creatable) {
    throw UsageError("--" + option + " '" + dir + "' cannot be created: '" + parent.string() +
                     "' is not a writable directory; choose another location");
  }
}

void require_writable_target(const std::string& option, const std::string& path) {
  if (const std::string why = model::output_problem(path); !why.empty()) {
    throw UsageError("--" + option + " '" + path + "': " + why);
  }
}

}  // namespace clmnist::apps
