// The registered kernel families (kernel_families.hpp), in the planner's order of preference.
#include "kernel_families.hpp"

#include <set>
#include <stdexcept>

#include "conv_front.hpp"
#include "opencl_executables.hpp"
#include "tunables.hpp"

namespace clmnist::runtime {
namespace {

std::string dense_unfit(const NetworkSpec& net, const CompileOptions&) {
  return dense_layers_unfit(net);
}

std::vector<std::string> fused_programs(const DeviceDesc& device, const NetworkSpec& net,
                                        const CompileOptions& options) {
  const FusedTuning t = fused_tuning_for(device, {}, options.tunables);
  return {std::string(t.sparse ? "cl/fused_sparse.cl " : "cl/fused.cl ") +
          fused_defines(net.classes(), network_stride(net), t)};
}

// A dense-layer family's programs are those of its stage, after the conv front end's where the
// network has one.
std::vector<std::string> dense_programs(const DeviceDesc& device, const NetworkSpec& net,
                                        const CompileOptions& options) {
  const auto [conv, rest] = split_conv_tunables(options.tunables);
  std::vector<std::string> out = conv_program_variants(net, conv);
  out.push_back("cl/dense.cl " + dense_defines(device, net, rest));
  return out;
}

std::vector<std::string> gpu_programs(const DeviceDesc& device, const NetworkSpec& net,
                                      const CompileOptions& options) {
  const auto [conv, rest] = split_conv_tunables(options.tunables);
  std::vector<std::string> out = conv_program_variants(net, conv);
  for (std::size_t l = conv_front_layers(net); l < net.layers.size(); ++l) {
    out.push_back("cl/gpu.cl " + gpu_defines(gpu_layer_tuning(device, net, l, rest)));
  }
  return out;
}

// The conv family: its front end's and its dense tail's tunables.
std::vector<std::string> conv_family_tunable_names() {
  std::vector<std::string> names = conv_tunable_names();
  for (const std::string& n : dense_tunable_names()) names.push_back(n);
  return names;
}

// The front end's vector width and the filter gradient's tap rows (all K where every conv layer
// has the same K, and 1), each with the dense tail's defaults; the derived blocking first.
std::vector<Tunables> conv_grid(const NetworkSpec& net) {
  std::set<unsigned> kernels;
  for (const Layer& L : net.layers) {
    if (L.kind == LayerKind::kConv2d) kernels.insert(static_cast<unsigned>(L.kernel));
  }
  std::vector<unsigned> ib = {1};
  if (kernels.size() == 1 && *kernels.begin() != 1) ib.insert(ib.begin(), *kernels.begin());
  std::vector<Tunables> out = {{}};
  for (const Tunables& t : tunable_grid({{"conv_vec", {8, 16}}, {"conv_ib", ib}})) out.push_back(t);
  return out;
}

// The fused kernels: the sparse step first (the default of CPUs below 16 float lanes), the block
// kernels' defaults without prefetching (a device whose prefetchers need no help keeps the
// plainer loop), then each setting of the block kernels with the device's own row split (no split
// named) and with the column-split update (split=0), the CPU default's values first.
std::vector<Tunables> fused_grid(const NetworkSpec&) {
  std::vector<Tunables> out = {{{"sparse", 1}}, {{"sparse", 0}, {"prefetch", 0}}};
  for (Tunables& t : tunable_grid({{"vec", {16, 8, 4}}, {"rows", {1, 2}}, {"skip_zero", {1, 0}}})) {
    out.push_back(t);
    t["split"] = 0;
    out.push_back(t);
  }
  return out;
}

// Vector widths and tiles; for a conv network, of the dense layers after its front end.
std::vector<Tunables> dense_grid(const NetworkSpec&) {
  return tunable_grid({{"vec", {8, 16}}, {"tile", {2, 4, 8}}});
}

// The same settings for every layer; the head's fwd_cols is raised to the classes by the family.
std::vector<Tunables> gpu_grid(const NetworkSpec&) {
  std::vector<Tunables> out;
  for (Tunables& t : tunable_grid({{"fwd_wg", {64, 128, 256}}, {"fwd_cols", {16, 32, 64}},
                                   {"fwd_rows", {1, 2}}})) {
    if (t["fwd_cols"] > t["fwd_wg"]) continue;
    t["upd_wg"] = t["fwd_wg"];
    t["upd_cols"] = t["fwd_cols"];
    out.push_back(t);
  }
  return out;
}

}  // namespace

const std::vector<KernelFamily>& registered_families() {
  static const std::vector<KernelFamily> all = {
      {Impl::kFused,
       "fused",
       "one dense layer with the softmax head, no weight decay; CPU-shaped, 2 launches a step",
       {"fused", "fused_sparse", "softmax"},
       "",
       fused_tunable_names,
       fused_unfit,
       make_fused_executable,
       fused_programs,
       fused_grid},
      {Impl::kDense,
       "dense",
       "dense layers with tanh or relu and L1/L2 decay, CPU-shaped (after conv's front end)",
       {"dense"},
       "every layer",
       dense_tunable_names,
       dense_unfit,
       make_dense_executable,
       dense_programs,
       dense_grid},
      {Impl::kGpu,
       "gpu",
       "dense layers with tanh or relu and L1/L2 decay, GPU-shaped (after conv's front end)",
       {"gpu"},
       "per layer, L<k>.NAME for layer k",
       gpu_tunable_names,
       gpu_unfit,
       make_gpu_executable,
       gpu_programs,
       gpu_grid},
      {Impl::kClblast,
       "clblast",
       "one dense layer with the softmax head on CLBlast's GEMMs",
       {"softmax", "prepare", "sgd"},
       "",
       nullptr,
       clblast_unfit,
       make_clblast_executable,
       nullptr,
       nullptr},
      {Impl::kConv,
       "conv",
       "a front end of conv2d, max-pool, activation and flatten layers, then the dense tail on "
       "dense's kernels",
       {"conv", "dense"},
       "conv_*: every conv layer, or L<k>.conv_* for layer k; the rest: the dense tail",
       conv_family_tunable_names,
       conv_unfit,
       make_conv_executable,
       dense_programs,
       conv_grid},
  };
  return all;
}

const KernelFamily& registered_family(Impl impl) {
  for (const KernelFamily& f : registered_families()) {
    if (f.impl == impl) return f;
  }
  throw std::logic_error(std::string("no registered kernel family for --impl ") + to_string(impl));
}

}  // namespace clmnist::runtime
