// fused: softmax regression in two launches a step with the CPU-shaped kernels of cl/fused.cl,
// their tunables per device, and the zero-block masks each dataset needs once.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "opencl_executables.hpp"
#include "tunables.hpp"
#include "one_layer_executable.hpp"

namespace clmnist::runtime {
namespace {

unsigned checked_choice(const char* what, unsigned value, std::initializer_list<unsigned> allowed) {
  for (unsigned a : allowed) {
    if (a == value) return value;
  }
  std::string list;
  for (unsigned a : allowed) list += (list.empty() ? "" : ", ") + std::to_string(a);
  throw std::invalid_argument(std::string(what) + " must be one of " + list + ", not " +
                              std::to_string(value));
}

constexpr std::size_t kSparseEvalRows = 32;  // EVAL_ROWS in cl/fused_sparse.cl
constexpr std::size_t kHeadRows = 16;        // HEAD_ROWS in cl/fused_softmax.clh

class FusedExecutable final : public OneLayerExecutable {
 public:
  FusedExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options,
                  const FusedTuning& tune)
      : OneLayerExecutable(be, net, options, fused_defines(net.classes(), network_stride(net), tune)),
        tune_(tune) {
    if (tune_.sparse) {
      if (classes_ > 16) {
        throw std::invalid_argument("the fused sparse=1 holds a row's classes in one float16: " +
                                    std::to_string(classes_) +
                                    " classes are over its 16; use sparse=0");
      }
      forward_partial_ = kernel("fused_sparse", "sparse_forward_partial", 1);
      split_update_ = kernel("fused_sparse", "sparse_split_update");
      evaluate_ = kernel("fused_sparse", "sparse_evaluate", 1);
      logits_kernel_ = kernel("fused_sparse", "sparse_logits", 1);
      pixel_major_ = kernel("fused_sparse", "sparse_pixel_major");
      class_major_ = kernel("fused_sparse", "sparse_class_major");
      // A pixel's classes are one float16 (64 bytes, aligned: one load and one store each).
      wp_ = be.make_buffer(CL_MEM_READ_WRITE, stride_ * 16 * 4, "weights (pixel-major)");
      ctx_.queue().enqueueFillBuffer(wp_, 0.0f, 0, stride_ * 16 * 4);
      part_ = be.make_buffer(CL_MEM_READ_WRITE, tune_.split * stride_ * 16 * 4,
                             "partial gradients");
    } else {
      forward_backward_ = kernel("fused", "fused_forward_backward");
      weight_update_ = kernel("fused", "fused_weight_update", tune_.update_local);
      evaluate_ = kernel("fused", "fused_evaluate");
      logits_kernel_ = kernel("fused", "fused_logits");
      if (tune_.skip_zero) block_masks_ = kernel("fused", "fused_block_masks");
      if (tune_.split != 0) {
        forward_partial_ = kernel("fused", "fused_forward_partial", 1);
        split_update_ = kernel("fused", "fused_split_update");
        part_ = be.make_buffer(CL_MEM_READ_WRITE, tune_.split * classes_ * stride_ * 4,
                               "partial gradients");
        cols_ = be.make_buffer(CL_MEM_READ_WRITE, tune_.split * (stride_ / tune_.vec) * 8,
                               "partial gradients' block lists");
      }
    }
    if (tune_.split != 0) {
      part_b_ = be.make_buffer(CL_MEM_READ_WRITE, tune_.split * classes_ * 4, "partial gradients");
    }
  }

  std::vector<PlanStep> plan() const override { return {{0, 0, "fused", defines_}}; }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = dataset_of(step_dataset(id, first, count, step, "fused"));
      const auto first_u = static_cast<cl_uint>(first);
      const auto count_u = static_cast<cl_uint>(count);
      const auto stride_u = static_cast<cl_uint>(stride_);
      const float inv_count = 1.0f / static_cast<float>(count);
      if (tune_.split != 0) {
        // `split` chunks of equal rows, fewer where the batch is small (none empty: its partial
        // sums would be stale); split_rows_per in cl/fused.cl.
        const std::size_t per = (count + tune_.split - 1) / tune_.split;
        const std::size_t chunks = (count + per - 1) / per;
        if (tune_.sparse) {
          set_args(forward_partial_, d.nz_start, d.nz_index, d.nz_value, d.labels, d.order, first_u,
                   count_u, stride_u, scale_, inv_count, wp_, b_, dlogits_, d.loss, part_,
                   part_b_);
        } else {
          set_args(forward_partial_, d.x, masks_of(d), d.labels, d.order, first_u, count_u,
                   stride_u, scale_, inv_count, wt_, b_, dlogits_, d.loss, part_, part_b_, cols_);
        }
        enqueue_1d(ctx_, forward_partial_, chunks);
        if (tune_.sparse) {
          set_args(split_update_, static_cast<cl_uint>(chunks), stride_u, scale_, step.lr, part_,
                   part_b_, wp_, b_);
        } else {
          set_args(split_update_, static_cast<cl_uint>(chunks), stride_u, scale_, step.lr, part_,
                   part_b_, wt_, b_);
        }
        enqueue_1d(ctx_, split_update_, stride_ / (tune_.sparse ? 16 : tune_.vec) + 1);
        return;
      }
      const cl::Buffer& masks = masks_of(d);
      set_args(forward_backward_, d.x, masks, d.labels, d.order, first_u, count_u, stride_u, scale_,
               inv_count, wt_, b_, dlogits_, d.loss);
      enqueue_1d(ctx_, forward_backward_, (count + tune_.rows - 1) / tune_.rows);
      set_args(weight_update_, d.x, masks, d.order, first_u, count_u, stride_u, scale_, step.lr,
               dlogits_, wt_, b_);
      enqueue_1d(ctx_, weight_update_, stride_ / tune_.vec + 1);
    });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = dataset_of(checked(id));
      const auto rows_u = static_cast<cl_uint>(d.rows);
      const auto stride_u = static_cast<cl_uint>(stride_);
      if (d.rows != 0 && tune_.sparse) {
        set_args(evaluate_, d.nz_start, d.nz_index, d.nz_value, d.labels, rows_u, scale_, wp_, b_,
                 d.wrong, d.loss);
        enqueue_1d(ctx_, evaluate_, (d.rows + kSparseEvalRows - 1) / kSparseEvalRows);
      } else if (d.rows != 0) {
        set_args(evaluate_, d.x, masks_of(d), d.labels, rows_u, stride_u, scale_, wt_, b_, d.wrong,
                 d.loss);
        enqueue_1d(ctx_, evaluate_, (d.rows + kHeadRows - 1) / kHeadRows);
      }
      return count_errors(ctx_, d, counted);
    });
  }

 private:
  // fused_logits reads storage order: callers pass the identity order.
  void logits_rows(ClDataset& d, const cl::Buffer&, std::size_t first, std::size_t count) override {
    if (tune_.sparse) {
      dataset_of(d);
      set_args(logits_kernel_, d.nz_start, d.nz_index, d.nz_value, static_cast<cl_uint>(first),
               static_cast<cl_uint>(count), scale_, wp_, logits_);
      enqueue_1d(ctx_, logits_kernel_, (count + kSparseEvalRows - 1) / kSparseEvalRows);
      return;
    }
    set_args(logits_kernel_, d.x, masks_of(d), static_cast<cl_uint>(first),
             static_cast<cl_uint>(count), static_cast<cl_uint>(stride_), scale_, wt_, logits_);
    enqueue_1d(ctx_, logits_kernel_, (count + tune_.rows - 1) / tune_.rows);
  }

  // The dataset with what this tuning's kernels read besides the pixels: the sparse index.
  ClDataset& dataset_of(ClDataset& d) { return tune_.sparse ? be_.with_sparse_index(d) : d; }

  // The host wrote the weights: wp follows wt.
  void write_param(const std::string& name, const std::vector<float>& values) override {
    OneLayerExecutable::write_param(name, values);
    if (tune_.sparse) {
      guarded("writing parameters", [&] {
        set_args(pixel_major_, wt_, static_cast<cl_uint>(stride_), wp_);
        enqueue_1d(ctx_, pixel_major_, stride_);
      });
    }
  }

  // The sparse kernels keep the weights in wp alone: wt follows it when the host reads them.
  std::vector<float> read_param(const std::string& name) override {
    if (tune_.sparse) {
      guarded("reading parameters", [&] {
        set_args(class_major_, wp_, static_cast<cl_uint>(stride_), wt_);
        enqueue_1d(ctx_, class_major_, stride_);
      });
    }
    return OneLayerExecutable::read_param(name);
  }

  // One bit per VEC-pixel block, computed once per dataset: the kernels skip the zero blocks.
  const cl::Buffer& masks_of(ClDataset& d) {
    auto it = masks_.find(d.x());
    if (it != masks_.end()) return it->second;
    cl::Buffer m;
    if (tune_.skip_zero && d.rows != 0) {
      m = be_.make_buffer(CL_MEM_READ_WRITE, d.rows * fused_mask_words(stride_, tune_.vec) * 8,
                          "zero-block masks");
      set_args(block_masks_, d.x, static_cast<cl_uint>(d.rows), static_cast<cl_uint>(stride_), m);
      enqueue_1d(ctx_, block_masks_, d.rows);
    } else {
      m = be_.make_buffer(CL_MEM_READ_ONLY, 8, "zero-block masks (unused)");
    }
    return masks_.emplace(d.x(), std::move(m)).first->second;
  }

  FusedTuning tune_;
  KernelHandle forward_backward_, weight_update_, evaluate_, logits_kernel_, block_masks_;
  KernelHandle forward_partial_, split_update_;  // the row-split step (split != 0)
  KernelHandle pixel_major_, class_major_;       // sparse: wp from wt, wt from wp
  cl::Buffer part_, part_b_, cols_;
  cl::Buffer wp_;  // sparse: the weights pixel-major, [stride x 16] (cl/fused_sparse.cl)
  std::map<cl_mem, cl::Buffer> masks_;  // by the dataset's image buffer
};

// The row split where none is named. The sparse step: one chunk of rows per compute unit (each
// chunk's partial sums, stride x 16 floats, are read by the update from every core, so fewer are
// cheaper; measured on 2 cores: 2 chunks 0.90 of 8). The block step on CPUs: 4 per compute unit.
// Elsewhere: 0, the column-split update.
unsigned default_split(const DeviceDesc& device, bool sparse) {
  const unsigned per_unit = sparse ? 1 : device.type == DeviceType::kCpu ? 4 : 0;
  return per_unit == 0 ? 0 : std::clamp<unsigned>(per_unit * device.compute_units, 1, 64);
}

}  // namespace

FusedTuning fused_tuning(const DeviceDesc& device, const FusedOverrides& overrides) {
  FusedTuning t;
  if (device.type == DeviceType::kCpu) {
    // Measured on PoCL/AVX-512 (docs/PERFORMANCE.md): 16 lanes, zero blocks skipped (each row
    // then visits only its own blocks, which beats sharing weight loads between 2 rows), and one
    // work-item per update group (the skipping makes their work uneven); and the minibatch split
    // in 4 chunks of rows per compute unit (flat from 2 to 10 on 2 cores; more chunks even out
    // uneven zero skipping), each chunk summing its rows' gradient while their pixels are in its
    // core's cache (docs/PERFORMANCE.md: the row-split step).
    t.vec = device.preferred_float_vector >= 16  ? 16u
            : device.preferred_float_vector >= 8 ? 8u
                                                 : 4u;
    t.rows = 1;
    t.skip_zero = true;
    t.update_local = 1;
    // Below 16 lanes a pixel block carries fewer pixels per multiply-add, and visiting only the
    // non-zero pixels won: on PoCL compiled for AVX2 (pthread-haswell) 0.68 of the block-skipping
    // step's time, against 1.00 with AVX-512 (docs/PERFORMANCE.md, "The sparse step"); even
    // (0.985) since the block kernels prefetch, so `clmnist tune` decides on such a CPU.
    t.sparse = t.vec < 16;
    // 6 rows ahead: the step took 0.86 of its time without prefetching (2 rows ahead 0.89, 24
    // rows 0.89; clmnist-ab, docs/PERFORMANCE.md).
    t.prefetch = 6;
  }
  // An override of the block kernels' settings asks for them: the sparse default gives way.
  if (overrides.vec != 0 || overrides.rows != 0 || overrides.skip_zero >= 0) t.sparse = false;
  if (overrides.vec != 0) t.vec = checked_choice("the fused VEC", overrides.vec, {2, 4, 8, 16});
  if (overrides.rows != 0) t.rows = checked_choice("the fused ROWS", overrides.rows, {1, 2, 3, 4});
  if (overrides.skip_zero >= 0) {
    t.skip_zero = checked_choice("the fused SKIP_ZERO", static_cast<unsigned>(overrides.skip_zero),
                                 {0, 1}) == 1;
  }
  t.split = default_split(device, t.sparse);
  return t;
}

std::size_t network_stride(const NetworkSpec& net) { return round_up(net.features(), kRowAlign); }

std::string fused_defines(std::size_t classes, std::size_t stride, const FusedTuning& t) {
  const std::string head = "-DNUM_CLASSES=" + std::to_string(classes);
  // cl/fused_sparse.cl reads no VEC, ROWS, SKIP_ZERO or PREFETCH (its index streams in order, and
  // prefetching it gained nothing: 0.99): without them, settings that differ only
  // there are the same program (one binary cached, one candidate timed).
  if (t.sparse) return head + " -DSPLIT=" + std::to_string(t.split) + " -DSPARSE=1";
  return head + " -DVEC=" + std::to_string(t.vec) + " -DROWS=" + std::to_string(t.rows) +
         " -DSKIP_ZERO=" + (t.skip_zero ? "1" : "0") +
         (t.split != 0 ? " -DSPLIT=" + std::to_string(t.split) : "") +
         (stride != 0 ? " -DSTRIDE=" + std::to_string(stride) : "") +
         (t.prefetch != 0 ? " -DPREFETCH=" + std::to_string(t.prefetch) : "");
}

std::size_t fused_mask_words(std::size_t stride, unsigned vec) { return (stride / vec + 63) / 64; }

std::string fused_unfit(const NetworkSpec& net, const CompileOptions& options) {
  if (!dense_family_unfit(net).empty()) return dense_family_unfit(net);
  if (net.layers.size() != 1)
    return "it runs one dense layer, not " + std::to_string(net.layers.size());
  if (options.weight_decay) return "it has no weight decay";
  return "";
}

std::unique_ptr<Executable> make_fused_executable(OpenClBackend& be, const NetworkSpec& net,
                                                  const CompileOptions& options) {
  return std::make_unique<FusedExecutable>(
      be, net, options, fused_tuning_for(be.context().desc(), be.options().fused, options.tunables));
}

FusedTuning fused_tuning_for(const DeviceDesc& device, FusedOverrides base,
                             const Tunables& tunables) {
  check_tunables(tunables, "fused", fused_tunable_names(), 1);
  base.vec = tunable(tunables, "vec", 0, base.vec);
  base.rows = tunable(tunables, "rows", 0, base.rows);
  if (tunables.count("skip_zero") || tunables.count("L1.skip_zero")) {
    base.skip_zero = static_cast<int>(tunable(tunables, "skip_zero", 0, 0));
  }
  FusedTuning t = fused_tuning(device, base);
  const bool split_named = tunables.count("split") != 0 || tunables.count("L1.split") != 0;
  const unsigned split = tunable(tunables, "split", 0, t.split);
  if (split > 64) {
    throw std::invalid_argument("the fused split (chunks of the minibatch) must be 0 to 64, not " +
                                std::to_string(split) +
                                "; 0 keeps the column-split update, 1 to 64 split the rows");
  }
  // split=0 named asks for the column-split update, which has no sparse form.
  const unsigned sparse = tunable(tunables, "sparse", 0, t.sparse && split != 0 ? 1u : 0u);
  if (sparse > 1) {
    throw std::invalid_argument("the fused sparse must be 0 or 1, not " + std::to_string(sparse));
  }
  t.sparse = sparse == 1;
  t.split = split_named ? split : default_split(device, t.sparse);
  t.prefetch = tunable(tunables, "prefetch", 0, t.prefetch);
  if (t.prefetch > 64) {
    throw std::invalid_argument("the fused prefetch (rows ahead) must be 0 to 64, not " +
                                std::to_string(t.prefetch) + "; 0 prefetches nothing");
  }
  if (t.sparse && t.split == 0) {
    throw std::invalid_argument("the fused sparse=1 runs the row-split step: it needs split 1 to "
                                "64, not 0");
  }
  return t;
}

std::vector<std::string> fused_tunable_names() {
  return {"vec", "rows", "skip_zero", "split", "sparse", "prefetch"};
}

}  // namespace clmnist::runtime
