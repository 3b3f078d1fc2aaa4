// Shared pieces of the clmnist subcommands: usage errors, option groups, device opening.
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend.hpp"
#include "device_info.hpp"
#include "device_select.hpp"
#include "errors.hpp"
#include "mnist.hpp"
#include "shown_text.hpp"

namespace clmnist::apps {

namespace po = boost::program_options;

// A bad command line: main prints it with the subcommand's --help hint and exits with code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The value of a whole-number option: digits only, so "-3" is refused instead of wrapping to
// 2^64 - 3 as Boost's unsigned parsing does. Use po::value<Whole>(&w).
struct Whole {
  std::size_t value = 0;
};
void validate(boost::any& v, const std::vector<std::string>& values, Whole*, int);
std::ostream& operator<<(std::ostream& out, const Whole& w);  // default values in --help

// Where an option's value came from when not from the command line: "FILE line N" or the
// environment variable's name, by option name.
using ValueOrigins = std::map<std::string, std::string>;

// Parses argv for one subcommand (argv[0] is its name), then the CLMNIST_* environment, then the
// config file (--config or CLMNIST_CONFIG; config_file.hpp); --help prints `usage` and the
// options and returns false. Throws UsageError.
bool parse_command_line(int argc, char** argv, const po::options_description& options,
                        const std::string& usage, po::variables_map& vm,
                        const po::positional_options_description* positional = nullptr,
                        ValueOrigins* origins = nullptr);

// --device, --impl (alias --gemm), --tune, --tuning-file, --no-kernel-cache, --kernel-cache-dir
struct DeviceOptions {
  std::string device;
  std::string impl = "auto";
  std::string gemm;  // the old name of --impl
  bool no_kernel_cache = false;
  std::string kernel_cache_dir;
  std::string tune;         // --tune NAME=N,...: tunables for this run
  std::string tuning_file;  // --tuning-file: where `clmnist tune` keeps its winners
};
void add_device_options(po::options_description& desc, DeviceOptions& opts, bool allow_all);
// The backend options of the flags, with the fused kernels' tunables from CLMNIST_VEC,
// CLMNIST_ROWS and CLMNIST_SKIP_ZERO (the runtime reads no environment). Throws UsageError.
runtime::BackendOptions backend_options(const DeviceOptions& opts);
// "clmnist: warning: MESSAGE" on stderr, once per distinct message (runtime/shown_text.hpp).
using runtime::warn_once;
// --impl (or --gemm) as an implementation family. Throws UsageError.
runtime::Impl impl_choice(const DeviceOptions& opts);

// Lists the devices, selects by the spec (flag, else CLMNIST_DEVICE, else auto), says which and
// why on `log`, and creates its backend.
struct OpenedBackend {
  runtime::DeviceDesc device;
  std::unique_ptr<runtime::Backend> backend;
};
OpenedBackend open_backend(const DeviceOptions& opts, std::ostream& log);

// "Device address: <stable address>[, pci:...][, uuid:...]\n": the names of the device that do
// not move when platforms come and go (not in train's default log, which is a contract).
std::string device_address_line(const runtime::DeviceDesc& device);

// runtime::select_device(s) over the listing's devices, with a device number too large to parse
// as a UsageError. A platform that failed to list its devices is named, so a missing GPU is never
// silently replaced: in the error when nothing matches, else as a warning on `warn`.
runtime::Selection select_device_checked(const runtime::DeviceListing& listing,
                                         const std::string& spec, std::ostream& warn);
std::vector<runtime::Selection> select_devices_checked(const runtime::DeviceListing& listing,
                                                       const std::string& spec,
                                                       std::ostream& warn);

// backend.compile, with a network the forced implementation cannot run as a UsageError.
std::unique_ptr<runtime::Executable> compile_network(runtime::Backend& backend,
                                                     const runtime::NetworkSpec& net,
                                                     const runtime::CompileOptions& options);

// Checks a numeric option: throws UsageError naming the option, the value and what is allowed.
void require_positive_finite(const std::string& option, double value);
void require_at_least(const std::string& option, std::size_t value, std::size_t minimum);

// Paths given on the command line, checked before any work: throw UsageError naming the option.
void require_directory(const std::string& option, const std::string& path);
void require_readable_file(const std::string& option, const std::string& path);
// The file may not exist yet, but its directory must exist and be writable.
void require_writable_target(const std::string& option, const std::string& path);

// A directory of outputs (--plot-dir, export --output): if it exists, a directory where every one
// of `files` can be written; if not, one that can be created (its nearest existing parent is a
// writable directory).
void require_output_dir(const std::string& option, const std::string& dir,
                        const std::vector<std::string>& files);

// A file named on the command line: the option ("save-model") and the path.
struct NamedPath {
  std::string option;
  std::string path;
};
// Throws UsageError when two outputs, or an output and an input, are the same file. Files are
// compared, not spellings: "./a", "a" and a link to it are one file, also for an output that does
// not exist yet. Character devices (/dev/null) may take several outputs. Empty paths are skipped.
void require_distinct_files(const std::vector<NamedPath>& outputs,
                            const std::vector<NamedPath>& inputs);
// Inputs every command may have besides its own, for require_distinct_files: the config file
// (--config or $CLMNIST_CONFIG; empty path when none) and the tuning file a run reads (the one
// given, else the default).
NamedPath config_input(const po::variables_map& vm);
// The four MNIST files as inputs ("data file").
std::vector<NamedPath> data_inputs(const model::MnistFiles& files);
NamedPath tuning_input(const std::string& tuning_file);

}  // namespace clmnist::apps
