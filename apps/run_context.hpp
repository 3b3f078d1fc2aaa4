// Where and when a benchmark ran: the program, the machine, its system and load. Everything that
// could not be found is empty (std::nullopt), printed as null in JSON and as nothing in CSV.
#pragma once

#include <array>
#include <optional>
#include <string>

namespace clmnist::apps {

using LoadAverage = std::array<double, 3>;  // 1, 5 and 15 minutes (/proc/loadavg)

struct RunContext {
  std::string clmnist_version;
  std::optional<std::string> commit;  // null when built outside a git checkout
  std::optional<bool> dirty;
  std::string started_at, finished_at;  // UTC, ISO 8601 ("2026-11-29T13:38:42Z")
  std::optional<std::string> host_name, cpu_model, os, kernel, machine;
  std::optional<unsigned> cpu_threads;  // logical processors in /proc/cpuinfo
  std::optional<std::string> icd_loader, clblast;
  std::optional<LoadAverage> load_before, load_after;
};

// The context at the start of a run: everything but finished_at and load_after.
RunContext context_at_start();
// Sets finished_at and load_after.
void finish_context(RunContext& c);

std::string utc_now_iso8601();
std::optional<LoadAverage> read_load_average(const std::string& path = "/proc/loadavg");
// The first "model name" of a /proc/cpuinfo text, and its count of "processor" lines.
std::optional<std::string> cpu_model_of(const std::string& cpuinfo);
std::optional<unsigned> cpu_threads_of(const std::string& cpuinfo);
// PRETTY_NAME of an /etc/os-release text, unquoted.
std::optional<std::string> os_pretty_name_of(const std::string& os_release);

}  // namespace clmnist::apps
