// What bench prints around its figures: the header of where it ran, and the warnings of a busy
// machine and of runs that spread.
#include <catch2/catch.hpp>
#include <sstream>

#include "bench.hpp"

using namespace clmnist::apps;

namespace {

RunContext two_cpus(double load_before, double load_after) {
  RunContext c;
  c.clmnist_version = "9.8.7";
  c.commit = "abc1234";
  c.dirty = false;
  c.started_at = "2026-12-07T23:00:00Z";
  c.cpu_model = "AMD EPYC";
  c.cpu_threads = 2;
  c.os = "Debian GNU/Linux 12 (bookworm)";
  c.load_before = LoadAverage{load_before, 0.0, 0.0};
  c.load_after = LoadAverage{load_after, 0.0, 0.0};
  return c;
}

DeviceBench spread_run(double min, double max) {
  DeviceBench r;
  r.device.name = "pocl cpu";
  PathTiming p;
  p.path = "fused";
  p.us_per_iteration = {min, min, max};
  r.paths.push_back(p);
  return r;
}

std::string warnings(const std::vector<DeviceBench>& results, const RunContext& c) {
  std::ostringstream out;
  print_bench_warnings(results, c, out);
  return out.str();
}

}  // namespace

TEST_CASE("bench's header says where and how it ran", "[cli]") {
  BenchOptions opt;
  opt.families = "none";
  opt.quick = true;
  std::ostringstream out;
  print_bench_header(two_cpus(0.5, 0.5), opt, out);
  const std::string h = out.str();
  CHECK(h.find("clmnist 9.8.7 (commit abc1234), 2026-12-07T23:00:00Z") != std::string::npos);
  CHECK(h.find("AMD EPYC, 2 logical CPUs, Debian GNU/Linux 12 (bookworm); load 0.50 (1 min)") !=
        std::string::npos);
  CHECK(h.find("preset theano, 5 runs an implementation, headline auto, families none, --quick") !=
        std::string::npos);
}

TEST_CASE("bench warns of a busy machine and of runs that spread", "[cli]") {
  const std::vector<DeviceBench> steady = {spread_run(100.0, 110.0)};
  CHECK(warnings(steady, two_cpus(0.5, 1.9)).empty());
  // A load of 6 on 2 CPUs, before or after.
  CHECK(warnings(steady, two_cpus(6.0, 0.5)).find("load average (6.0 over 1 minute) exceeds the 2") !=
        std::string::npos);
  CHECK(warnings(steady, two_cpus(0.5, 3.0)).find("exceeds the 2 logical CPUs") != std::string::npos);
  // Runs from 100 to 150 us: +50 %.
  const std::string w = warnings({spread_run(100.0, 150.0)}, two_cpus(0.5, 0.5));
  CHECK(w.find("pocl cpu, fused: the runs spread from 100.0 to 150.0 us/iter (+50 %)") !=
        std::string::npos);
}
