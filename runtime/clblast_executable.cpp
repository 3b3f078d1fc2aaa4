// clblast: softmax regression with CLBlast's GEMMs (logits and the weight update) and the small
// kernels of cl/softmax.cl, cl/prepare.cl and cl/sgd.cl around them.
#include <stdexcept>

#include "clblast_gemm.hpp"
#include "opencl_executables.hpp"
#include "one_layer_executable.hpp"

namespace clmnist::runtime {
namespace {

class ClblastExecutable final : public OneLayerExecutable {
 public:
  ClblastExecutable(OpenClBackend& be, const NetworkSpec& net, const CompileOptions& options)
      : OneLayerExecutable(be, net, options,
                         fused_defines(net.classes(), network_stride(net),
                                       fused_tuning(be.context().desc(), {}))) {
    u8_to_f32_ = kernel("prepare", "u8_to_f32");
    xent_grad_ = kernel("softmax", "softmax_xent_grad");
    count_errors_ = kernel("softmax", "count_errors");
    nll_ = kernel("softmax", "nll_rows");
    bias_update_ = kernel("sgd", "bias_grad_update");
    xf_ =
        be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * stride_ * sizeof(float), "float minibatch");
  }

  std::vector<PlanStep> plan() const override { return {{0, 0, "clblast", defines_}}; }

  void sgd_step(DatasetId id, std::size_t first, std::size_t count, const SgdStep& step) override {
    guarded("running an SGD step", [&] {
      ClDataset& d = step_dataset(id, first, count, step, "clblast");
      const auto first_u = static_cast<cl_uint>(first);
      const auto count_u = static_cast<cl_uint>(count);
      const float inv_count = 1.0f / static_cast<float>(count);
      logits_rows(d, d.order, first, count);
      set_args(xent_grad_, logits_, b_, d.labels, d.order, first_u, count_u, inv_count, dlogits_,
               d.loss);
      enqueue_1d(ctx_, xent_grad_, count);
      // wt [K x stride] += -lr * dlogits^T [K x count] . xf [count x stride]
      GemmArgs g;
      g.trans_a = true;
      g.m = classes_;
      g.n = stride_;
      g.k = count;
      g.alpha = -step.lr;
      g.a = &dlogits_;
      g.lda = classes_;
      g.b = &xf_;
      g.ldb = stride_;
      g.beta = 1.0f;
      g.c = &wt_;
      g.ldc = stride_;
      clblast_sgemm(ctx_, g, "clblast_sgemm_weight_update");
      set_args(bias_update_, dlogits_, count_u, step.lr, b_);
      enqueue_1d(ctx_, bias_update_, classes_);
    });
  }

  EvalCounts evaluate(DatasetId id, std::size_t counted) override {
    return guarded("evaluating", [&] {
      ClDataset& d = checked(id);
      for (std::size_t first = 0; first < d.rows; first += max_batch_) {
        const std::size_t n = std::min(max_batch_, d.rows - first);
        logits_rows(d, d.identity, first, n);
        set_args(count_errors_, logits_, b_, d.labels, static_cast<cl_uint>(first),
                 static_cast<cl_uint>(n), d.wrong);
        enqueue_1d(ctx_, count_errors_, n);
        set_args(nll_, logits_, b_, d.labels, static_cast<cl_uint>(first), static_cast<cl_uint>(n),
                 d.loss);
        enqueue_1d(ctx_, nll_, n);
      }
      return count_errors(ctx_, d, counted);
    });
  }

 private:
  void logits_rows(ClDataset& d, const cl::Buffer& order, std::size_t first,
                   std::size_t count) override {
    set_args(u8_to_f32_, d.x, order, static_cast<cl_uint>(first), static_cast<cl_uint>(count),
             static_cast<cl_uint>(stride_), scale_, xf_);
    enqueue_1d(ctx_, u8_to_f32_, count * stride_);
    // logits [count x K] = xf [count x stride] . wt^T [stride x K]
    GemmArgs g;
    g.trans_b = true;
    g.m = count;
    g.n = classes_;
    g.k = stride_;
    g.a = &xf_;
    g.lda = stride_;
    g.b = &wt_;
    g.ldb = stride_;
    g.c = &logits_;
    g.ldc = classes_;
    clblast_sgemm(ctx_, g, "clblast_sgemm_logits");
  }

  KernelHandle u8_to_f32_, xent_grad_, count_errors_, nll_, bias_update_;
  cl::Buffer xf_;
};

}  // namespace

std::string clblast_unfit(const NetworkSpec& net, const CompileOptions& options) {
  return fused_unfit(net, options);  // the same networks: one dense layer, no weight decay
}

std::unique_ptr<Executable> make_clblast_executable(OpenClBackend& be, const NetworkSpec& net,
                                                    const CompileOptions& options) {
  return std::make_unique<ClblastExecutable>(be, net, options);
}

}  // namespace clmnist::runtime
