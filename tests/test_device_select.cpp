// The --device grammar against fake device lists.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "device_select.hpp"
#include "errors.hpp"

using clmnist::DeviceNotFound;
using namespace clmnist::runtime;

namespace {

DeviceDesc fake(std::size_t index, int p, int d, DeviceType type, const std::string& name,
                const std::string& vendor, bool unified = true) {
  DeviceDesc x;
  x.flat_index = index;
  x.platform_index = p;
  x.device_index = d;
  x.type = type;
  x.name = name;
  x.vendor = vendor;
  x.platform = vendor + " platform";
  x.versions = "OpenCL 3.0 " + vendor;
  x.unified_memory = unified;
  return x;
}

// A machine with an integrated Intel GPU, a discrete NVIDIA GPU, PoCL on the CPU, and the host.
std::vector<DeviceDesc> workstation() {
  return {fake(0, 0, 0, DeviceType::kGpu, "Intel(R) UHD Graphics 770", "Intel(R) Corporation"),
          fake(1, 1, 0, DeviceType::kGpu, "NVIDIA GeForce RTX 4090", "NVIDIA Corporation", false),
          fake(2, 2, 0, DeviceType::kCpu, "pthread-skylake", "AuthenticAMD"), host_device_desc(3)};
}

}  // namespace

TEST_CASE("auto prefers a discrete GPU, then GPU, accelerator, CPU, host", "[device]") {
  auto devs = workstation();
  Selection s = select_device(devs, "auto");
  CHECK(s.index == 1);
  CHECK(s.reason.find("discrete GPU") != std::string::npos);

  devs[1].type = DeviceType::kAccelerator;
  CHECK(select_device(devs, "AUTO").index == 0);  // integrated GPU beats the accelerator

  devs.erase(devs.begin());  // no GPU left: the accelerator
  CHECK(select_device(devs, "auto").index == 0);

  const std::vector<DeviceDesc> cpu_only = {fake(0, 0, 0, DeviceType::kCpu, "pocl", "pocl"),
                                            host_device_desc(1)};
  CHECK(select_device(cpu_only, "auto").index == 0);

  const std::vector<DeviceDesc> none = {host_device_desc(0)};
  const Selection h = select_device(none, "auto");
  CHECK(h.index == 0);
  CHECK(h.reason.find("host backend") != std::string::npos);
}

TEST_CASE("types, addresses, indices and substrings select exactly", "[device]") {
  const auto devs = workstation();
  CHECK(select_device(devs, "gpu").index == 0);
  CHECK(select_device(devs, "cpu").index == 2);
  CHECK(select_device(devs, "host").index == 3);
  CHECK(select_device(devs, "1:0").index == 1);
  CHECK(select_device(devs, "2").index == 2);
  CHECK(select_device(devs, "3").index == 3);
  CHECK(select_device(devs, "nvidia").index == 1);
  CHECK(select_device(devs, "RTX").index == 1);
  CHECK(select_device(devs, "intel").index == 0);
  CHECK(select_device(devs, "AuthenticAMD").index == 2);
}

TEST_CASE("a request that matches nothing lists every device", "[device]") {
  const auto devs = workstation();
  for (const char* spec : {"accelerator", "7", "3:1", "amd radeon", "", "all"}) {
    INFO("spec: '" << spec << "'");
    try {
      select_device(devs, spec);
      FAIL("expected DeviceNotFound");
    } catch (const DeviceNotFound& e) {
      const std::string msg = e.what();
      CHECK(msg.find("RTX 4090") != std::string::npos);
      CHECK(msg.find("UHD Graphics") != std::string::npos);
      CHECK(msg.find("host backend") != std::string::npos);
    }
  }
  const std::vector<DeviceDesc> host_only = {host_device_desc(0)};
  CHECK_THROWS_AS(select_device(host_only, "gpu"), DeviceNotFound);
  CHECK_THROWS_WITH(select_device(host_only, "cpu"), Catch::Contains("--device host"));
}

TEST_CASE("all selects every device and the flag beats CLMNIST_DEVICE", "[device]") {
  const auto devs = workstation();
  CHECK(select_devices(devs, "all").size() == devs.size());
  CHECK(select_devices(devs, "gpu").size() == 1);

  CHECK(effective_device_spec("", "host") == "host");
  CHECK(effective_device_spec("gpu", "host") == "gpu");
  CHECK(effective_device_spec("", "") == "auto");
  CHECK(effective_device_spec("", nullptr) == "auto");
}
