// Executable helpers shared by every backend: parameters as a set, plan descriptions, the
// implementation names and the minibatch argument check.
#include "executable.hpp"

#include <stdexcept>

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

const char* to_string(Impl impl) {
  switch (impl) {
    case Impl::kAuto:
      return "auto";
    case Impl::kFused:
      return "fused";
    case Impl::kDense:
      return "dense";
    case Impl::kClblast:
      return "clblast";
  }
  return "?";
}

Impl parse_impl(const std::string& name) {
  if (name == "auto") return Impl::kAuto;
  if (name == "fused") return Impl::kFused;
  if (name == "dense") return Impl::kDense;
  if (name == "clblast") return Impl::kClblast;
  throw std::invalid_argument("unknown implementation '" + name +
                              "' (allowed: auto, fused, dense, clblast)");
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
