// The registered kernel families (kernel_families.hpp), in the planner's order of preference.
#include "kernel_families.hpp"

#include <stdexcept>

#include "opencl_executables.hpp"

namespace clmnist::runtime {
namespace {

std::string dense_unfit(const NetworkSpec& net, const CompileOptions&) {
  return dense_family_unfit(net);
}

std::vector<std::string> fused_programs(const DeviceDesc& device, const NetworkSpec& net,
                                        const CompileOptions& options) {
  const FusedTuning t = fused_tuning_for(device, {}, options.tunables);
  return {std::string(t.sparse ? "cl/fused_sparse.cl " : "cl/fused.cl ") +
          fused_defines(net.classes(), network_stride(net), t)};
}

std::vector<std::string> dense_programs(const DeviceDesc& device, const NetworkSpec& net,
                                        const CompileOptions& options) {
  return {"cl/dense.cl " + dense_defines(device, net, options.tunables)};
}

std::vector<std::string> gpu_programs(const DeviceDesc& device, const NetworkSpec& net,
                                      const CompileOptions& options) {
  std::vector<std::string> out;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    out.push_back("cl/gpu.cl " + gpu_defines(gpu_layer_tuning(device, net, l, options.tunables)));
  }
  return out;
}

std::vector<std::string> conv_programs(const DeviceDesc& device, const NetworkSpec& net,
                                       const CompileOptions& options) {
  std::vector<std::string> out = conv_program_variants(net);
  out.push_back("cl/dense.cl " + dense_defines(device, net, options.tunables));
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
       fused_programs},
      {Impl::kDense,
       "dense",
       "dense layers with tanh or relu and L1/L2 decay, CPU-shaped",
       {"dense"},
       "every layer",
       dense_tunable_names,
       dense_unfit,
       make_dense_executable,
       dense_programs},
      {Impl::kGpu,
       "gpu",
       "dense layers with tanh or relu and L1/L2 decay, GPU-shaped",
       {"gpu"},
       "per layer, L<k>.NAME for layer k",
       gpu_tunable_names,
       gpu_unfit,
       make_gpu_executable,
       gpu_programs},
      {Impl::kClblast,
       "clblast",
       "one dense layer with the softmax head on CLBlast's GEMMs",
       {"softmax", "prepare", "sgd"},
       "",
       nullptr,
       clblast_unfit,
       make_clblast_executable,
       nullptr},
      {Impl::kConv,
       "conv",
       "a front end of conv2d, max-pool, activation and flatten layers, then the dense tail on "
       "dense's kernels",
       {"conv", "dense"},
       "for the dense tail; cl/conv.cl has none of its own yet",
       dense_tunable_names,
       conv_unfit,
       make_conv_executable,
       conv_programs},
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
