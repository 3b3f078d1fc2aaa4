// The --device grammar against fake device lists.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

#include "device_select.hpp"
#include "errors.hpp"
#include "text.hpp"

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

TEST_CASE("stable addresses name a device whatever platforms come before it", "[device]") {
  CHECK(platform_short_name("Portable Computing Language") == "pocl");
  CHECK(platform_short_name("rusticl") == "rusticl");
  CHECK(platform_short_name("NVIDIA CUDA") == "nvidia");
  CHECK(platform_short_name("Intel(R) OpenCL Graphics") == "intel");
  CHECK(platform_short_name("Some Vendor's Platform") == "some");

  auto devs = workstation();
  for (DeviceDesc& d : devs) d.platform_short = platform_short_name(d.platform);
  devs[1].pci_bus_id = "0000:01:00.0";
  devs[1].uuid = "12345678-9abc-def0-1234-56789abcdef0";
  assign_stable_addresses(devs);
  CHECK(devs[1].stable_address == "nvidia/NVIDIA GeForce RTX 4090");
  CHECK(devs[3].stable_address == "host");
  const std::string pocl = devs[2].stable_address;
  CHECK(select_device(devs, pocl).index == 2);
  CHECK(select_device(devs, "pci:0000:01:00.0").index == 1);
  CHECK(select_device(devs, "UUID:12345678-9ABC-DEF0-1234-56789abcdef0").index == 1);
  CHECK_THROWS_WITH(select_device(devs, "pci:0000:02:00.0"), Catch::Contains("PCI bus id"));
  CHECK_THROWS_AS(select_device(devs, "uuid:00"), DeviceNotFound);

  // A new platform listed first moves every P:D and index, not the stable address.
  std::vector<DeviceDesc> more = {fake(0, 0, 0, DeviceType::kCpu, "llvmpipe", "Mesa")};
  more[0].platform = "rusticl";
  for (DeviceDesc d : devs) {
    if (!d.is_host()) ++d.platform_index;
    d.flat_index += 1;
    more.push_back(d);
  }
  for (DeviceDesc& d : more) d.platform_short = platform_short_name(d.platform);
  assign_stable_addresses(more);
  CHECK(more[0].stable_address == "rusticl/llvmpipe");
  CHECK(select_device(more, pocl).index == 3);
  CHECK(select_device(more, "2:0").index == 2);  // P:D now names another device
  CHECK(select_device(more, "pci:0000:01:00.0").index == 2);
}

TEST_CASE("identical devices get #2, #3 and empty platforms a hint", "[device]") {
  std::vector<DeviceDesc> twins = {
      fake(0, 0, 0, DeviceType::kGpu, "Radeon RX 7900", "AMD"),
      fake(1, 0, 1, DeviceType::kGpu, "Radeon RX 7900", "AMD"), host_device_desc(2)};
  for (DeviceDesc& d : twins) d.platform_short = "amd";
  assign_stable_addresses(twins);
  CHECK(twins[0].stable_address == "amd/Radeon RX 7900");
  CHECK(twins[1].stable_address == "amd/Radeon RX 7900#2");
  CHECK(select_device(twins, "AMD/radeon rx 7900#2").index == 1);
  CHECK(select_device(twins, "amd/Radeon RX 7900").index == 0);

  CHECK(empty_platform_hint("rusticl").find("RUSTICL_ENABLE=") != std::string::npos);
  CHECK(empty_platform_hint("Portable Computing Language").find("RUSTICL") == std::string::npos);
  PlatformDesc empty;
  empty.name = "rusticl";
  empty.hint = empty_platform_hint(empty.name);
  PlatformDesc broken;
  broken.index = 1;
  broken.name = "Broken";
  broken.error = "clGetDeviceIDs failed with CL_OUT_OF_HOST_MEMORY (-6)";
  PlatformDesc fine;
  fine.index = 2;
  fine.device_count = 1;
  const std::string notes = format_platform_notes({empty, broken, fine});
  CHECK(notes.find("platform 0 (rusticl") != std::string::npos);
  CHECK(notes.find("RUSTICL_ENABLE") != std::string::npos);
  CHECK(notes.find("platform 1 (Broken") != std::string::npos);
  CHECK(notes.find("CL_OUT_OF_HOST_MEMORY") != std::string::npos);
  CHECK(notes.find("platform 2") == std::string::npos);
}

TEST_CASE("the device table is as wide as its longest name", "[device]") {
  auto devs = workstation();
  devs[0].name = "An Extremely Long Device Name That Goes On And On Past Forty Characters A";
  devs[1].name = "An Extremely Long Device Name That Goes On And On Past Forty Characters B";
  for (DeviceDesc& d : devs) d.platform_short = "x";
  assign_stable_addresses(devs);
  const std::string table = format_device_table(devs);
  CHECK(table.find(devs[0].stable_address + " ") != std::string::npos);
  CHECK(table.find(devs[1].stable_address + " ") != std::string::npos);
}

TEST_CASE("the compact device table fits its width and keeps each address", "[device]") {
  auto devs = workstation();
  devs[0].name = "An Extremely Long Device Name That Goes On And On Past Forty Characters A";
  for (DeviceDesc& d : devs) d.platform_short = "x";
  assign_stable_addresses(devs);
  devs.push_back(host_device_desc(devs.size()));
  const std::string table = format_device_table_compact(devs, 80);
  CHECK(widest_line(format_device_table(devs)) > 80);
  CHECK(widest_line(table) <= 80);
  // One row a device, its last cell continued on indented lines; joined, it holds the address.
  std::istringstream lines(table);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(" ", 0) == 0) {
      rows.back() += " " + trim(line);
    } else {
      rows.push_back(line);
    }
  }
  REQUIRE(rows.size() == devs.size() + 1);
  for (std::size_t i = 0; i < devs.size(); ++i) {
    CHECK(rows[i + 1].find(devs[i].stable_address) != std::string::npos);
  }
  CHECK(rows.back().find("host / clmnist host backend") != std::string::npos);
}
