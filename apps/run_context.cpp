// The run context of a benchmark record, from uname, /proc and /etc/os-release.
#include "run_context.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <ctime>
#include <fstream>
#include <sstream>

#include "build_info.hpp"
#include "library_versions.hpp"
#include "text.hpp"

namespace clmnist::apps {
namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using runtime::trim;

// The value of the first line "KEY<sep>value" of `text`.
std::optional<std::string> value_of(const std::string& text, const std::string& key, char sep) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find(sep);
    if (at == std::string::npos || trim(line.substr(0, at)) != key) continue;
    const std::string v = trim(line.substr(at + 1));
    if (!v.empty()) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::optional<LoadAverage> read_load_average(const std::string& path) {
  std::ifstream in(path);
  LoadAverage l{};
  if (!(in >> l[0] >> l[1] >> l[2])) return std::nullopt;
  return l;
}

std::optional<std::string> cpu_model_of(const std::string& cpuinfo) {
  return value_of(cpuinfo, "model name", ':');
}

std::optional<unsigned> cpu_threads_of(const std::string& cpuinfo) {
  std::istringstream lines(cpuinfo);
  unsigned n = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::size_t at = line.find(':');
    if (at != std::string::npos && trim(line.substr(0, at)) == "processor") ++n;
  }
  return n > 0 ? std::optional<unsigned>(n) : std::nullopt;
}

std::optional<std::string> os_pretty_name_of(const std::string& os_release) {
  std::optional<std::string> v = value_of(os_release, "PRETTY_NAME", '=');
  if (v && v->size() >= 2 && (v->front() == '"' || v->front() == '\'') &&
      v->back() == v->front()) {
    v = v->substr(1, v->size() - 2);
  }
  return v;
}

RunContext context_at_start() {
  RunContext c;
  c.clmnist_version = clmnist_version();
  if (std::string(clmnist_commit()) != "unknown") {  // a build from a tarball knows none
    c.commit = clmnist_commit();
    c.dirty = clmnist_dirty();
  }
  c.started_at = utc_now_iso8601();
  c.load_before = read_load_average();
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') c.host_name = host;
  const std::string cpuinfo = file_text("/proc/cpuinfo");
  c.cpu_model = cpu_model_of(cpuinfo);
  c.cpu_threads = cpu_threads_of(cpuinfo);
  c.os = os_pretty_name_of(file_text("/etc/os-release"));
  utsname u{};
  if (uname(&u) == 0) {
    c.kernel = std::string(u.sysname) + " " + u.release;
    c.machine = u.machine;
  }
  for (const auto& [name, version] : runtime::library_versions()) {
    if (name == "OpenCL ICD loader") c.icd_loader = version;
    if (name == "CLBlast") c.clblast = version;
  }
  return c;
}

void finish_context(RunContext& c) {
  c.finished_at = utc_now_iso8601();
  c.load_after = read_load_average();
}

}  // namespace clmnist::apps
