// Executable helpers shared by every backend: parameters as a set, plan descriptions, the
// implementation names and the minibatch argument check.
#include "executable.hpp"

#include <stdexcept>
#include <utility>

#include "backend.hpp"

namespace clmnist::runtime {

void Executable::write_params(const ParamValues& values) {
  check_params(network(), values);
  for (const auto& [name, v] : values) write_param(name, v);
}

ParamValues Executable::read_params() {
  ParamValues out;
  for (const ParamSpec& p : network().params()) out[p.name] = read_param(p.name);
  return out;
}

std::string describe(const std::vector<PlanStep>& plan) {
  std::string s;
  for (const PlanStep& p : plan) {
    if (!s.empty()) s += "; ";
    s += p.first_layer == p.last_layer ? "layer " + std::to_string(p.first_layer + 1)
                                       : "layers " + std::to_string(p.first_layer + 1) + "-" +
                                             std::to_string(p.last_layer + 1);
    s += ": " + p.impl;
    if (!p.options.empty()) s += " (" + p.options + ")";
  }
  return s;
}

std::string plan_impls(const std::vector<PlanStep>& plan) {
  std::string s;
  for (const PlanStep& p : plan) {
    if (s.find(p.impl) != std::string::npos) continue;
    s += (s.empty() ? "" : "+") + p.impl;
  }
  return s;
}

namespace {
constexpr std::pair<Impl, const char*> kImplNames[] = {
    {Impl::kAuto, "auto"}, {Impl::kCpu, "cpu"},         {Impl::kFused, "fused"},
    {Impl::kDense, "dense"}, {Impl::kGpu, "gpu"}, {Impl::kClblast, "clblast"},
    {Impl::kConv, "conv"}};
}  // namespace

const char* to_string(Impl impl) {
  for (const auto& [value, name] : kImplNames) {
    if (value == impl) return name;
  }
  return "?";
}

Impl parse_impl(const std::string& name) {
  for (const auto& [value, known] : kImplNames) {
    if (name == known) return value;
  }
  throw std::invalid_argument("unknown implementation '" + name +
                              "' (allowed: auto, cpu, gpu, clblast; or fused, dense, conv)");
}

void check_minibatch(std::size_t first, std::size_t count, std::size_t rows,
                     std::size_t max_batch) {
  if (count == 0 || count > max_batch || first > rows || count > rows - first) {
    throw std::out_of_range("minibatch of " + std::to_string(count) + " rows at " +
                            std::to_string(first) + " is outside the dataset of " +
                            std::to_string(rows) + " rows or larger than the compiled " +
                            std::to_string(max_batch));
  }
}

}  // namespace clmnist::runtime
