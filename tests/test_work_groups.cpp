// Work-group sizes a driver lowers: the gpu family's reductions (tree sums over a work-group)
// assume a power of two, so a group the driver caps at, say, 192 must run as 128, never as 192
// (which would drop a third of every dot product silently). CI runs this under oclgrind with
// --max-wgsize 192 (ci/test-oclgrind.sh); on other devices it checks large requested groups.
#include <catch2/catch.hpp>
#include <string>

#include "backend.hpp"
#include "executable_cases.hpp"
#include "networks.hpp"
#include "test_support.hpp"
#include "trainer.hpp"
#include "tunables.hpp"

using namespace clmnist;
using runtime::Activation;
using runtime::Impl;

namespace {

bool power_of_two(std::size_t v) { return v != 0 && (v & (v - 1)) == 0; }

// The value of -D<name>=<v> in a plan step's options.
std::size_t define_value(const std::string& options, const std::string& name) {
  const std::string key = "-D" + name + "=";
  const std::size_t at = options.find(key);
  REQUIRE(at != std::string::npos);
  return std::stoul(options.substr(at + key.size()));
}

}  // namespace

TEST_CASE("the gpu family runs power-of-two groups within the driver's limits and sums right",
          "[device][wgsize]") {
  const runtime::DeviceDesc desc = test::test_device();
  auto host = runtime::make_backend(runtime::host_device_desc(0), {});
  auto dev = runtime::make_backend(desc, {});
  // Groups of 1024 are asked for: over the limit of oclgrind's 192 (and of many GPUs' kernels).
  const runtime::Tunables big = runtime::parse_tunables("fwd_wg=1024,upd_wg=1024");
  const runtime::NetworkSpec net =
      model::multilayer_perceptron(8, 9, {37}, Activation::kTanh, 5, 256.0);
  const std::size_t batch = 7;
  runtime::CompileOptions o;
  o.max_batch = batch;
  o.impl = Impl::kGpu;
  o.tunables = big;
  for (const runtime::PlanStep& s : dev->compile(net, o)->plan()) {
    INFO("layer " << s.first_layer + 1 << ": " << s.options << "; device limit "
                  << desc.max_work_group);
    for (const char* name : {"FWD_WG", "UPD_WG"}) {
      const std::size_t wg = define_value(s.options, name);
      CHECK(power_of_two(wg));
      CHECK(wg <= 1024);
      if (desc.max_work_group != 0) CHECK(wg <= desc.max_work_group);
    }
  }
  const test::Steps s = test::steps_for(batch);
  const test::Synthetic data = test::make_synthetic(s.rows, net.features(), 5, 77);
  const std::vector<std::uint32_t> order = model::shuffled_order(s.rows, 77, 1);
  const runtime::ParamValues start = test::random_params(net, 78, -0.3f, 0.3f);
  const runtime::SgdStep step{0.3f, 0.0f, 0.01f};
  const test::Outcome ref = test::run_case(*host, Impl::kAuto, net, data, order, batch, step, start);
  const test::Outcome got =
      test::run_case(*dev, Impl::kGpu, net, data, order, batch, step, start, big);
  for (const runtime::ParamSpec& p : net.params()) {
    CHECK(test::mismatches(got.params.at(p.name), ref.params.at(p.name), p.name) == "");
  }
  CHECK(test::mismatches(got.losses, ref.losses, "train_loss") == "");
  CHECK(test::mismatches(got.probs, ref.probs, "p") == "");
}
