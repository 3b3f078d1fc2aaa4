// The parts of the fused and clblast softmax-regression executables they share.
#include "one_layer_executable.hpp"

#include <stdexcept>

#include "fault_injection.hpp"
#include "opencl_executables.hpp"

namespace clmnist::runtime {

OneLayerExecutable::OneLayerExecutable(OpenClBackend& be, const NetworkSpec& net,
                                   const CompileOptions& options, std::string defines)
    : be_(be),
      ctx_(be.context()),
      net_(net),
      max_batch_(options.max_batch),
      features_(net.features()),
      classes_(net.classes()),
      stride_(network_stride(net)),
      scale_(net.pixel_scale()),
      defines_(std::move(defines)) {
  softmax_ = kernel("softmax", "softmax_rows");
  wt_ = be.make_buffer(CL_MEM_READ_WRITE, classes_ * stride_ * sizeof(float), "weights");
  b_ = be.make_buffer(CL_MEM_READ_WRITE, classes_ * sizeof(float), "bias");
  logits_ = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * classes_ * sizeof(float), "logits");
  dlogits_ = be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * classes_ * sizeof(float), "dlogits");
  probs_ =
      be.make_buffer(CL_MEM_READ_WRITE, max_batch_ * classes_ * sizeof(float), "probabilities");
  ctx_.queue().enqueueFillBuffer(wt_, 0.0f, 0, classes_ * stride_ * sizeof(float));
  ctx_.queue().enqueueFillBuffer(b_, 0.0f, 0, classes_ * sizeof(float));
}

KernelHandle OneLayerExecutable::kernel(const std::string& program, const char* name,
                                      std::size_t local) {
  return KernelHandle(ctx_, program, defines_, name, local);
}

ClDataset& OneLayerExecutable::checked(DatasetId id) {
  ClDataset& d = be_.dataset(id);
  if (d.features != features_) {
    throw std::invalid_argument("dataset has " + std::to_string(d.features) +
                                " features, the network takes " + std::to_string(features_));
  }
  return d;
}

ClDataset& OneLayerExecutable::step_dataset(DatasetId id, std::size_t first, std::size_t count,
                                          const SgdStep& step, const char* impl) {
  ClDataset& d = checked(id);
  check_minibatch(first, count, d.rows, max_batch_);
  if (step.l1 != 0.0f || step.l2 != 0.0f) {
    throw std::invalid_argument(std::string("the ") + impl +
                                " kernels have no weight decay (use --impl dense)");
  }
  return d;
}

void OneLayerExecutable::write_param(const std::string& name, const std::vector<float>& values) {
  guarded("writing parameters", [&] {
    const ParamSpec p = net_.param(name);
    if (values.size() != p.size()) {
      throw std::invalid_argument("parameter '" + name + "' needs " + std::to_string(p.size()) +
                                  " values, not " + std::to_string(values.size()));
    }
    if (p.shape.size() == 1) {
      ctx_.queue().enqueueWriteBuffer(b_, CL_TRUE, 0, classes_ * 4, values.data());
      return;
    }
    std::vector<float> padded(classes_ * stride_, 0.0f);
    for (std::size_t j = 0; j < features_; ++j) {
      for (std::size_t c = 0; c < classes_; ++c) {
        padded[c * stride_ + j] = values[j * classes_ + c];
      }
    }
    ctx_.queue().enqueueWriteBuffer(wt_, CL_TRUE, 0, padded.size() * 4, padded.data());
  });
}

std::vector<float> OneLayerExecutable::read_param(const std::string& name) {
  return guarded("reading parameters", [&] {
    const ParamSpec p = net_.param(name);
    std::vector<float> out(p.size());
    if (p.shape.size() == 1) {
      ctx_.queue().enqueueReadBuffer(b_, CL_TRUE, 0, classes_ * 4, out.data());
      return out;
    }
    std::vector<float> padded(classes_ * stride_);
    ctx_.queue().enqueueReadBuffer(wt_, CL_TRUE, 0, padded.size() * 4, padded.data());
    for (std::size_t j = 0; j < features_; ++j) {
      for (std::size_t c = 0; c < classes_; ++c) out[j * classes_ + c] = padded[c * stride_ + j];
    }
    return out;
  });
}

double OneLayerExecutable::train_loss(DatasetId id, std::size_t first, std::size_t count) {
  return guarded("reading training losses",
                 [&] { return mean_loss(ctx_, be_.dataset(id), first, count); });
}

std::vector<float> OneLayerExecutable::predict(DatasetId id, std::size_t first, std::size_t count) {
  return guarded("predicting", [&] {
    ClDataset& d = checked(id);
    if (first > d.rows || count > d.rows - first) {
      throw std::out_of_range("predict rows outside the dataset");
    }
    std::vector<float> probs(count * classes_);
    for (std::size_t done = 0; done < count; done += max_batch_) {
      const std::size_t n = std::min(max_batch_, count - done);
      logits_rows(d, d.identity, first + done, n);
      set_args(softmax_, logits_, b_, static_cast<cl_uint>(n), probs_);
      enqueue_1d(ctx_, softmax_, n);
      ctx_.queue().enqueueReadBuffer(probs_, CL_TRUE, 0, n * classes_ * 4,
                                     probs.data() + done * classes_);
    }
    return probs;
  });
}

}  // namespace clmnist::runtime
