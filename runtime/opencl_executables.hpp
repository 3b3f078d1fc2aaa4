// The OpenCL implementation families the planner of OpenClBackend::compile chooses from. Each
// `*_unfit` returns why the family cannot run a network (empty when it can). Internal to runtime/.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "opencl_backend.hpp"

namespace clmnist::runtime {

// Why a family of dense-layer kernels (fused, clblast) cannot run `net`: the first layer of
// another kind; empty when every layer is dense.
std::string dense_family_unfit(const NetworkSpec& net);
// Why the dense-layer stages (dense, gpu) cannot run `net`: every layer dense, or a conv front end
// (the conv family's) and then dense layers only.
std::string dense_layers_unfit(const NetworkSpec& net);

// fused: cl/fused.cl, CPU-shaped kernels for one dense layer with the softmax head (softmax
// regression), two launches a step, no weight decay.
std::string fused_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_fused_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options);
std::vector<std::string> fused_tunable_names();  // vec, rows, skip_zero, split, sparse, prefetch

// clblast: CLBlast GEMMs with cl/softmax.cl, for the same networks as fused.
std::string clblast_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_clblast_executable(OpenClBackend& be, const NetworkSpec& net,
                                                    const CompileOptions& options);

// dense: cl/dense.cl, one forward and one update kernel per layer; any dense network (after a
// conv front end on cl/conv.cl), weight decay.
std::unique_ptr<Executable> make_dense_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options);
std::vector<std::string> dense_tunable_names();
std::string dense_defines(const DeviceDesc& device, const NetworkSpec& net,
                          const Tunables& tunables);

// gpu: cl/gpu.cl, GPU-shaped forward and update kernels per layer; any dense network (after a
// conv front end on cl/conv.cl), weight decay.
std::string gpu_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_gpu_executable(OpenClBackend& be, const NetworkSpec& net,
                                                const CompileOptions& options);
// One layer's tunables of cl/gpu.cl (its header explains them).
struct GpuTuning {
  unsigned fwd_wg = 256, fwd_cols = 16, fwd_rows = 1, upd_wg = 256, upd_cols = 16;
};
std::vector<std::string> gpu_tunable_names();
// The device class's defaults for a layer, then the tunables given; checked (invalid_argument).
GpuTuning gpu_layer_tuning(const DeviceDesc& device, const NetworkSpec& net, std::size_t layer,
                           const Tunables& tunables);
// Columns per group clamped to the group sizes (after a driver lowered them).
GpuTuning fit_gpu_tuning(GpuTuning t);
std::string gpu_defines(const GpuTuning& t);  // "-DFWD_WG=256 -DFWD_COLS=16 ..."

// conv: cl/conv.cl for a front end of conv2d, max-pool, activation and flatten layers, then the
// dense tail on cl/dense.cl's kernels (one network, two families; staged_executable.cpp); no
// tunables of its own yet.
std::string conv_unfit(const NetworkSpec& net, const CompileOptions& options);
std::unique_ptr<Executable> make_conv_executable(OpenClBackend& be, const NetworkSpec& net,
                                                 const CompileOptions& options);
// Layer l's program of cl/conv.cl: its -D options (geometry, blocking) and the blocking itself:
// filters per forward work-item, maps per input-gradient work-item, tap rows per filter-gradient
// work-item, the vector width.
struct ConvProgram {
  std::string defines;
  std::size_t fb = 1, cb = 1, ib = 1, vec = 8;
};
// Layer l's program with the front end's tunables (conv_fb, conv_cb, conv_ib, conv_vec; each
// for every conv layer or as L<k>.NAME for layer k), else the blocking derived from the
// geometry. Throws std::invalid_argument naming a value the layer cannot take.
ConvProgram conv_program(const NetworkSpec& net, std::size_t l, const Tunables& conv = {});
// "cl/conv.cl <defines>" for every front-end layer with a program.
std::vector<std::string> conv_program_variants(const NetworkSpec& net, const Tunables& conv = {});
// The front end's tunable names, and a family's tunables split into the front end's (conv_*)
// and the rest, for the dense layers' stage.
std::vector<std::string> conv_tunable_names();
std::pair<Tunables, Tunables> split_conv_tunables(const Tunables& t);

// Queues a fill of every byte of each buffer with zeros (padding and parameters start at zero).
void zero_buffers(Context& ctx, std::initializer_list<const cl::Buffer*> buffers);

// The layer of a parameter and whether it is the bias; checks a write's size (values != 0).
struct ParamSlot {
  std::size_t layer = 0;
  bool is_bias = false;
};
ParamSlot param_slot(const NetworkSpec& net, const std::string& name, std::size_t values);
// The backend's dataset `id`, checked against the network's inputs; with its sparse index when
// `sparse`.
ClDataset& network_dataset(OpenClBackend& be, const NetworkSpec& net, DatasetId id, bool sparse);

// Tunables of the fused kernels on a device: VEC, the float vector width of each work-item's
// dot products; ROWS, the minibatch rows each forward work-item computes; SKIP_ZERO, whether
// all-zero pixel blocks are left out (exact; cl/fused.cl); and the update kernel's local size.
// The device's defaults, then the overrides of BackendOptions.
struct FusedTuning {
  unsigned vec = 4;
  unsigned rows = 1;
  bool skip_zero = false;
  std::size_t update_local = 0;  // 0: the default local size (KernelHandle)
  // Chunks (work-items) of the row-split step (fused_forward_partial), at most 64; 0: the
  // column-split fused_weight_update.
  unsigned split = 0;
  // The row-split step on the dataset's sparse index (cl/fused_sparse.cl); needs split != 0.
  bool sparse = false;
  // The rows ahead whose pixels the block kernels prefetch (PREFETCH in cl/fused.cl); 0: none.
  unsigned prefetch = 0;
};
FusedTuning fused_tuning(const DeviceDesc& device, const FusedOverrides& overrides);
// The same with the tunables vec, rows, skip_zero and split of CompileOptions over `base`.
FusedTuning fused_tuning_for(const DeviceDesc& device, FusedOverrides base,
                             const Tunables& tunables);
// "-DNUM_CLASSES=k -DVEC=v -DROWS=r -DSKIP_ZERO=s", then " -DSPLIT=n" where split != 0 and
// " -DSTRIDE=s" where stride != 0 (the datasets' row stride fixed at compile time: the kernels
// must then be given that stride), " -DPREFETCH=p" where prefetch != 0; sparse:
// "-DNUM_CLASSES=k -DSPLIT=n -DSPARSE=1".
std::string fused_defines(std::size_t classes, std::size_t stride, const FusedTuning& t);
// The row stride of the datasets a network's executables read: its features, padded.
std::size_t network_stride(const NetworkSpec& net);
// 64-bit words of zero-block mask per row for rows of `stride` bytes (mask_words in cl/fused.cl).
std::size_t fused_mask_words(std::size_t stride, unsigned vec);

}  // namespace clmnist::runtime
