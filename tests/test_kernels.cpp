// Every OpenCL kernel against the host ops in double precision, at awkward sizes (1, 7, 33, 1000
// rows; 1, 17 and 784 features; 2, 10 and 13 classes) that are not multiples of work-group sizes.
#include <catch2/catch.hpp>
#include <memory>
#include <numeric>

#include "cl_context.hpp"
#include "host_oracles.hpp"
#include "opencl_backend.hpp"
#include "opencl_executables.hpp"
#include "test_support.hpp"

using namespace clmnist::runtime;
using clmnist::test::close;

namespace {

class Device {
 public:
  Device() {
    REQUIRE(clmnist::test::find_test_device(desc_));
    ctx_ = std::make_unique<Context>(desc_, false, KernelCache(""));
    tune_ = fused_tuning(desc_, FusedOverrides{});
    // These tests drive cl/fused.cl: the device's block-kernel settings, also where its default
    // is the sparse step (whose defines leave VEC, ROWS and SKIP_ZERO out).
    tune_.sparse = false;
  }
  KernelHandle kernel(const char* program, const char* name, std::size_t classes) {
    // Stride 0: the tests' datasets have several strides, given to the kernels at run time.
    return KernelHandle(*ctx_, program, fused_defines(classes, 0, tune_), name);
  }
  KernelHandle kernel(const char* name, std::size_t classes, const FusedTuning& t) {
    return KernelHandle(*ctx_, "fused", fused_defines(classes, 0, t), name);
  }
  const FusedTuning& tuning() const { return tune_; }
  // The zero-block masks of `rows` rows of x (fused_block_masks), as the backend builds them.
  cl::Buffer masks(const cl::Buffer& x, std::size_t rows, std::size_t stride, std::size_t classes) {
    const std::size_t words = fused_mask_words(stride, tune_.vec);
    cl::Buffer out = buffer(std::vector<std::uint64_t>(rows * words, ~0ull));
    KernelHandle k = kernel("fused", "fused_block_masks", classes);
    set_args(k, x, static_cast<cl_uint>(rows), static_cast<cl_uint>(stride), out);
    run(k, rows);
    return out;
  }
  template <class T>
  cl::Buffer buffer(const std::vector<T>& v) {
    std::vector<T> copy = v.empty() ? std::vector<T>(1) : v;
    return cl::Buffer(ctx_->context(), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                      copy.size() * sizeof(T), copy.data());
  }
  template <class T>
  std::vector<T> read(const cl::Buffer& b, std::size_t n) {
    std::vector<T> out(n);
    ctx_->queue().enqueueReadBuffer(b, CL_TRUE, 0, n * sizeof(T), out.data());
    return out;
  }
  void run(KernelHandle& k, std::size_t n) {
    enqueue_1d(*ctx_, k, n);
    ctx_->queue().finish();
  }
  unsigned vec() const { return tune_.vec; }
  // Work-items for n rows when each handles tune_.rows of them.
  std::size_t items(std::size_t n) const { return (n + tune_.rows - 1) / tune_.rows; }

 private:
  DeviceDesc desc_;
  std::unique_ptr<Context> ctx_;
  FusedTuning tune_;
};

template <class A, class B>
void check_close(const std::vector<A>& got, const std::vector<B>& ref, const char* what) {
  REQUIRE(got.size() >= ref.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (!close(static_cast<double>(got[i]), static_cast<double>(ref[i]))) {
      if (bad++ < 5) {
        UNSCOPED_INFO(what << "[" << i << "]: device " << got[i] << ", host " << ref[i]);
      }
    }
  }
  CHECK(bad == 0);
}

std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// Random pixels, rows x features, with about 40 % of each row's vec-wide blocks all zero, in a
// pattern that differs between neighbouring rows (so rows handled together disagree), and some
// single zero pixels: the kernels' zero-block skipping has something to skip.
std::vector<std::uint8_t> sparse_pixels(std::size_t rows, std::size_t features, unsigned vec,
                                        std::uint32_t seed) {
  auto xs = clmnist::test::random_bytes(rows * features, seed);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < features; ++j) {
      if (((j / vec) * 3 + r) % 5 < 2) xs[r * features + j] = 0;
    }
  }
  return xs;
}

std::vector<std::uint32_t> reversed_order(std::size_t n) {
  std::vector<std::uint32_t> o(n);
  for (std::size_t i = 0; i < n; ++i) o[i] = static_cast<std::uint32_t>(n - 1 - i);
  return o;
}

}  // namespace

TEST_CASE("softmax.cl kernels match the host in double", "[device][kernels]") {
  Device dev;
  for (std::size_t k : clmnist::test::sizes({2, 10, 13}, 10)) {
    for (std::size_t rows : clmnist::test::sizes({1, 7, 33, 1000}, 33)) {
      const std::uint32_t seed = static_cast<std::uint32_t>(k * 7919 + rows);
      INFO("classes " << k << ", rows " << rows << ", seed " << seed);
      const auto logits = clmnist::test::random_floats(rows * k, seed, -30.0f, 30.0f);
      const auto b = clmnist::test::random_floats(k, seed + 1, -2.0f, 2.0f);
      const auto labels =
          clmnist::test::random_bytes(rows + 3, seed + 2, static_cast<unsigned>(k - 1));
      const auto ld = to_double(logits), bd = to_double(b);
      const cl::Buffer logits_b = dev.buffer(logits), b_b = dev.buffer(b),
                       labels_b = dev.buffer(labels);

      std::vector<double> probs(rows * k);
      clmnist::runtime::host::softmax_rows(ld.data(), bd.data(), rows, k, probs.data());
      cl::Buffer probs_b = dev.buffer(std::vector<float>(rows * k));
      KernelHandle sm = dev.kernel("softmax", "softmax_rows", k);
      set_args(sm, logits_b, b_b, static_cast<cl_uint>(rows), probs_b);
      dev.run(sm, rows);
      check_close(dev.read<float>(probs_b, rows * k), probs, "softmax");

      // nll_rows and count_errors on dataset rows first .. first + rows (first = 3).
      const cl_uint first = 3;
      std::vector<double> loss(rows);
      clmnist::runtime::host::nll_rows(ld.data(), bd.data(), labels.data() + first, rows, k,
                                       loss.data());
      cl::Buffer loss_b = dev.buffer(std::vector<float>(rows + first));
      KernelHandle nll = dev.kernel("softmax", "nll_rows", k);
      set_args(nll, logits_b, b_b, labels_b, first, static_cast<cl_uint>(rows), loss_b);
      dev.run(nll, rows);
      const auto loss_dev = dev.read<float>(loss_b, rows + first);
      check_close(std::vector<float>(loss_dev.begin() + first, loss_dev.end()), loss, "nll");

      std::vector<std::uint8_t> wrong(rows);
      clmnist::runtime::host::count_errors(ld.data(), bd.data(), labels.data() + first, rows, k,
                                           wrong.data());
      cl::Buffer wrong_b = dev.buffer(std::vector<std::uint8_t>(rows + first));
      KernelHandle ce = dev.kernel("softmax", "count_errors", k);
      set_args(ce, logits_b, b_b, labels_b, first, static_cast<cl_uint>(rows), wrong_b);
      dev.run(ce, rows);
      const auto wrong_dev = dev.read<std::uint8_t>(wrong_b, rows + first);
      CHECK(std::vector<std::uint8_t>(wrong_dev.begin() + first, wrong_dev.end()) == wrong);

      // softmax_xent_grad with labels gathered through a reversed order, from row `first`.
      const auto order = reversed_order(rows + first);
      std::vector<double> dl(rows * k), xloss(rows + first);
      clmnist::runtime::host::xent_grad(ld.data(), bd.data(), labels.data(), order.data(), first,
                                        rows, k, 1.0 / rows, dl.data(), xloss.data());
      cl::Buffer dl_b = dev.buffer(std::vector<float>(rows * k));
      cl::Buffer xloss_b = dev.buffer(std::vector<float>(rows + first));
      KernelHandle xg = dev.kernel("softmax", "softmax_xent_grad", k);
      const cl::Buffer order_b = dev.buffer(order);
      set_args(xg, logits_b, b_b, labels_b, order_b, first, static_cast<cl_uint>(rows),
               1.0f / static_cast<float>(rows), dl_b, xloss_b);
      dev.run(xg, rows);
      check_close(dev.read<float>(dl_b, rows * k), dl, "dlogits");
      const auto xloss_dev = dev.read<float>(xloss_b, rows + first);
      check_close(std::vector<float>(xloss_dev.begin() + first, xloss_dev.end()),
                  std::vector<double>(xloss.begin() + first, xloss.end()), "xent loss");

      // bias_grad_update
      std::vector<double> bd_after = bd;
      const auto dlf = clmnist::test::random_floats(rows * k, seed + 3, -0.1f, 0.1f);
      const auto dld = to_double(dlf);
      clmnist::runtime::host::bias_grad_update(dld.data(), rows, k, 0.13, bd_after.data());
      cl::Buffer b_upd = dev.buffer(b);
      KernelHandle bu = dev.kernel("sgd", "bias_grad_update", k);
      const cl::Buffer dlf_b = dev.buffer(dlf);
      set_args(bu, dlf_b, static_cast<cl_uint>(rows), 0.13f, b_upd);
      dev.run(bu, k);
      check_close(dev.read<float>(b_upd, k), bd_after, "bias update");
    }
  }
}

TEST_CASE("prepare.cl converts and gathers uint8 rows", "[device][kernels]") {
  Device dev;
  for (std::size_t rows : {1u, 7u, 33u}) {
    for (std::size_t features : clmnist::test::sizes({1, 17, 784}, 17)) {
      INFO("rows " << rows << ", features " << features);
      const auto x = clmnist::test::random_bytes((rows + 2) * features, 99);
      const auto order = reversed_order(rows + 2);
      const double scale = 1.0 / 255.0;
      std::vector<double> ref(rows * features);
      clmnist::runtime::host::u8_to_float(x.data(), order.data(), 2, rows, features, scale,
                                          ref.data());
      cl::Buffer out = dev.buffer(std::vector<float>(rows * features));
      KernelHandle k = dev.kernel("prepare", "u8_to_f32", 10);
      const cl::Buffer x_b = dev.buffer(x), order_b = dev.buffer(order);
      set_args(k, x_b, order_b, cl_uint{2}, static_cast<cl_uint>(rows),
               static_cast<cl_uint>(features), static_cast<float>(scale), out);
      dev.run(k, rows * features);
      check_close(dev.read<float>(out, rows * features), ref, "u8_to_f32");
    }
  }
}

TEST_CASE("fused.cl kernels match the host in double", "[device][kernels]") {
  Device dev;
  const unsigned vec = dev.vec();
  // 20 classes take the scalar softmax (more than one float16 holds).
  for (std::size_t k : clmnist::test::sizes({2, 10, 13, 20}, 10)) {
    for (std::size_t features : clmnist::test::sizes({1, 17, 784}, 17)) {
      for (std::size_t rows : clmnist::test::sizes({1, 7, 33, 1000}, 33)) {
        if (features == 784 && k >= 13 && rows == 1000) continue;  // covered by smaller cases
        const std::uint32_t seed = static_cast<std::uint32_t>(k * 131 + features * 7 + rows);
        INFO("classes " << k << ", features " << features << ", rows " << rows << ", seed "
                        << seed);
        const std::size_t stride = (features + vec - 1) / vec * vec;
        const std::size_t total = rows + 5;
        const auto xs = sparse_pixels(total, features, vec, seed);
        std::vector<std::uint8_t> xpad(total * stride, 0);
        for (std::size_t r = 0; r < total; ++r) {
          std::copy_n(xs.data() + r * features, features, xpad.data() + r * stride);
        }
        const auto labels =
            clmnist::test::random_bytes(total, seed + 1, static_cast<unsigned>(k - 1));
        const auto wtf = clmnist::test::random_floats(k * features, seed + 2, -0.05f, 0.05f);
        std::vector<float> wtpad(k * stride, 0.0f);
        for (std::size_t c = 0; c < k; ++c) {
          std::copy_n(wtf.data() + c * features, features, wtpad.data() + c * stride);
        }
        const auto bf = clmnist::test::random_floats(k, seed + 3, -1.0f, 1.0f);
        std::vector<double> wt(wtf.begin(), wtf.end()), b(bf.begin(), bf.end());
        const auto order = reversed_order(total);
        const std::size_t first = 5;
        const double scale = 1.0 / 256.0, lr = 0.13;
        const cl::Buffer x_b = dev.buffer(xpad), labels_b = dev.buffer(labels),
                         order_b = dev.buffer(order), masks_b = dev.masks(x_b, total, stride, k);
        cl::Buffer wt_b = dev.buffer(wtpad), b_b = dev.buffer(bf);

        // Host reference: forward, loss gradient, then the update.
        std::vector<double> logits(rows * k), dl(rows * k), loss(total), grad;
        clmnist::runtime::host::linear_dots(xs.data(), order.data(), first, rows, features, k,
                                            scale, wt.data(), logits.data());
        clmnist::runtime::host::xent_grad(logits.data(), b.data(), labels.data(), order.data(),
                                          first, rows, k, 1.0 / rows, dl.data(), loss.data());

        cl::Buffer dl_b = dev.buffer(std::vector<float>(rows * k));
        cl::Buffer loss_b = dev.buffer(std::vector<float>(total));
        KernelHandle fb = dev.kernel("fused", "fused_forward_backward", k);
        set_args(fb, x_b, masks_b, labels_b, order_b, static_cast<cl_uint>(first),
                 static_cast<cl_uint>(rows), static_cast<cl_uint>(stride),
                 static_cast<float>(scale), 1.0f / static_cast<float>(rows), wt_b, b_b, dl_b,
                 loss_b);
        dev.run(fb, dev.items(rows));
        const auto dl_dev = dev.read<float>(dl_b, rows * k);
        check_close(dl_dev, dl, "fused dlogits");
        const auto loss_dev = dev.read<float>(loss_b, total);
        check_close(std::vector<float>(loss_dev.begin() + first, loss_dev.begin() + first + rows),
                    std::vector<double>(loss.begin() + first, loss.begin() + first + rows),
                    "fused loss");

        // The update from the device's own dlogits, so only the update is under test.
        const auto dl_used = to_double(dl_dev);
        std::vector<double> wt_after = wt, b_after = b;
        clmnist::runtime::host::weight_grad_update(xs.data(), order.data(), first, rows, features,
                                                   k, scale, lr, dl_used.data(), wt_after.data(),
                                                   b_after.data(), grad);
        KernelHandle wu = dev.kernel("fused", "fused_weight_update", k);
        set_args(wu, x_b, masks_b, order_b, static_cast<cl_uint>(first), static_cast<cl_uint>(rows),
                 static_cast<cl_uint>(stride), static_cast<float>(scale), static_cast<float>(lr),
                 dl_b, wt_b, b_b);
        dev.run(wu, stride / vec + 1);
        const auto wt_dev = dev.read<float>(wt_b, k * stride);
        std::vector<float> wt_unpadded(k * features);
        for (std::size_t c = 0; c < k; ++c) {
          std::copy_n(wt_dev.data() + c * stride, features, wt_unpadded.data() + c * features);
          for (std::size_t j = features; j < stride; ++j) CHECK(wt_dev[c * stride + j] == 0.0f);
        }
        check_close(wt_unpadded, wt_after, "fused weights");
        check_close(dev.read<float>(b_b, k), b_after, "fused bias");

        // Evaluation over all rows in storage order, with the updated parameters.
        const std::vector<float> b_now = dev.read<float>(b_b, k);
        std::vector<double> wt_now(wt_unpadded.begin(), wt_unpadded.end()),
            bd_now(b_now.begin(), b_now.end());
        std::vector<std::uint32_t> identity(total);
        std::iota(identity.begin(), identity.end(), 0u);
        std::vector<double> elogits(total * k), eloss(total);
        std::vector<std::uint8_t> ewrong(total);
        clmnist::runtime::host::linear_dots(xs.data(), identity.data(), 0, total, features, k,
                                            scale, wt_now.data(), elogits.data());
        clmnist::runtime::host::count_errors(elogits.data(), bd_now.data(), labels.data(), total, k,
                                             ewrong.data());
        clmnist::runtime::host::nll_rows(elogits.data(), bd_now.data(), labels.data(), total, k,
                                         eloss.data());
        cl::Buffer wrong_b = dev.buffer(std::vector<std::uint8_t>(total));
        cl::Buffer eloss_b = dev.buffer(std::vector<float>(total));
        KernelHandle ev = dev.kernel("fused", "fused_evaluate", k);
        set_args(ev, x_b, masks_b, labels_b, static_cast<cl_uint>(total),
                 static_cast<cl_uint>(stride), static_cast<float>(scale), wt_b, b_b, wrong_b,
                 eloss_b);
        dev.run(ev, dev.items(total));
        CHECK(dev.read<std::uint8_t>(wrong_b, total) == ewrong);
        check_close(dev.read<float>(eloss_b, total), eloss, "fused eval loss");

        cl::Buffer lg_b = dev.buffer(std::vector<float>(rows * k));
        KernelHandle lg = dev.kernel("fused", "fused_logits", k);
        set_args(lg, x_b, masks_b, static_cast<cl_uint>(first), static_cast<cl_uint>(rows),
                 static_cast<cl_uint>(stride), static_cast<float>(scale), wt_b, lg_b);
        dev.run(lg, dev.items(rows));
        check_close(
            dev.read<float>(lg_b, rows * k),
            std::vector<double>(elogits.begin() + first * k, elogits.begin() + (first + rows) * k),
            "fused logits");
      }
    }
  }
}

TEST_CASE("skipping zero pixel blocks gives bit-identical results", "[device][kernels]") {
  Device dev;
  FusedTuning dense = dev.tuning(), skip = dev.tuning();
  dense.skip_zero = false;
  skip.skip_zero = true;
  const unsigned vec = dense.vec;
  const std::size_t k = 10, features = 784, stride = (features + vec - 1) / vec * vec;
  const std::size_t rows = clmnist::test::small_mode() ? 33 : 600, total = rows + 3;
  const auto xs = sparse_pixels(total, features, vec, 7);
  std::vector<std::uint8_t> xpad(total * stride, 0);
  for (std::size_t r = 0; r < total; ++r) {
    std::copy_n(xs.data() + r * features, features, xpad.data() + r * stride);
  }
  const auto labels = clmnist::test::random_bytes(total, 8, static_cast<unsigned>(k - 1));
  const auto order = reversed_order(total);
  const auto wt0 = clmnist::test::random_floats(k * stride, 9, -0.05f, 0.05f);
  const auto b0 = clmnist::test::random_floats(k, 10, -1.0f, 1.0f);
  const cl::Buffer x_b = dev.buffer(xpad), labels_b = dev.buffer(labels),
                   order_b = dev.buffer(order), masks_b = dev.masks(x_b, total, stride, k);
  // Three SGD steps with each tuning; every intermediate buffer is compared bit for bit.
  std::vector<float> dl[2], loss[2], wt[2], b[2];
  for (int t = 0; t < 2; ++t) {
    const FusedTuning& tune = t == 0 ? dense : skip;
    cl::Buffer wt_b = dev.buffer(wt0), b_b = dev.buffer(b0);
    cl::Buffer dl_b = dev.buffer(std::vector<float>(rows * k));
    cl::Buffer loss_b = dev.buffer(std::vector<float>(total));
    KernelHandle fb = dev.kernel("fused_forward_backward", k, tune);
    KernelHandle wu = dev.kernel("fused_weight_update", k, tune);
    for (int step = 0; step < 3; ++step) {
      set_args(fb, x_b, masks_b, labels_b, order_b, cl_uint{3}, static_cast<cl_uint>(rows),
               static_cast<cl_uint>(stride), 1.0f / 256.0f, 1.0f / static_cast<float>(rows), wt_b,
               b_b, dl_b, loss_b);
      dev.run(fb, (rows + tune.rows - 1) / tune.rows);
      set_args(wu, x_b, masks_b, order_b, cl_uint{3}, static_cast<cl_uint>(rows),
               static_cast<cl_uint>(stride), 1.0f / 256.0f, 0.13f, dl_b, wt_b, b_b);
      dev.run(wu, stride / vec + 1);
    }
    dl[t] = dev.read<float>(dl_b, rows * k);
    loss[t] = dev.read<float>(loss_b, total);
    wt[t] = dev.read<float>(wt_b, k * stride);
    b[t] = dev.read<float>(b_b, k);
  }
  CHECK(wt[0] != wt0);  // the steps did change the weights
  CHECK(dl[1] == dl[0]);
  CHECK(loss[1] == loss[0]);
  CHECK(wt[1] == wt[0]);
  CHECK(b[1] == b[0]);
}

TEST_CASE("fused_block_masks marks exactly the blocks that are not all zero", "[device][kernels]") {
  Device dev;
  const unsigned vec = dev.vec();
  // 784 features: one mask word; 1100: two (more than 64 blocks at 16 lanes).
  for (std::size_t features : {std::size_t{17}, std::size_t{784}, std::size_t{1100}}) {
    INFO("features " << features);
    const std::size_t rows = 37, stride = (features + vec - 1) / vec * vec;
    const std::size_t blocks = stride / vec, words = (blocks + 63) / 64;
    const auto xs = sparse_pixels(rows, features, vec, static_cast<std::uint32_t>(features));
    std::vector<std::uint8_t> xpad(rows * stride, 0);
    for (std::size_t r = 0; r < rows; ++r) {
      std::copy_n(xs.data() + r * features, features, xpad.data() + r * stride);
    }
    xpad[5 * stride + stride - 1] = 1;  // a lone pixel in the last block
    const cl::Buffer x_b = dev.buffer(xpad);
    const auto got = dev.read<std::uint64_t>(dev.masks(x_b, rows, stride, 10), rows * words);
    std::size_t zero_blocks = 0, bad = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < blocks; ++k) {
        bool nonzero = false;
        for (std::size_t j = 0; j < vec; ++j) nonzero |= xpad[r * stride + k * vec + j] != 0;
        zero_blocks += nonzero ? 0 : 1;
        const bool bit = (got[r * words + k / 64] >> (k % 64)) & 1u;
        if (bit != nonzero && bad++ < 5) UNSCOPED_INFO("row " << r << ", block " << k);
      }
      for (std::size_t k = blocks; k < words * 64; ++k) {  // no bits past the last block
        if ((got[r * words + k / 64] >> (k % 64)) & 1u) ++bad;
      }
    }
    CHECK(zero_blocks > 0);
    CHECK(bad == 0);
  }
}
