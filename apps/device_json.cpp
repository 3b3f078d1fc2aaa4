// Devices and platforms as JSON (see device_json.hpp); the fields are listed in README.md.
#include "device_json.hpp"

namespace clmnist::apps {
namespace {

using nlohmann::ordered_json;

// A count or size the device reports, null where it reports none (0 means none here).
ordered_json reported(std::uint64_t v) { return v > 0 ? ordered_json(v) : ordered_json(nullptr); }

}  // namespace

ordered_json text_or_null(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

ordered_json device_json(const runtime::DeviceDesc& d) {
  const bool cl = !d.is_host();
  return ordered_json{
      {"index", d.flat_index},
      {"address", d.address()},
      {"stable_address", d.stable_address},
      {"name", d.name},
      {"vendor", d.vendor},
      {"type", runtime::to_string(d.type)},
      {"platform", d.platform},
      {"platform_version", text_or_null(d.platform_version)},
      {"driver", d.driver_version},
      {"device_version", text_or_null(d.device_version)},
      {"opencl_c_version", cl ? text_or_null(d.opencl_c_version) : ordered_json(nullptr)},
      {"compute_units", reported(d.compute_units)},
      {"max_clock_mhz", reported(d.max_clock_mhz)},
      {"global_memory_bytes", reported(d.global_memory)},
      {"local_memory_bytes", reported(d.local_memory)},
      {"max_allocation_bytes", reported(d.max_allocation)},
      {"max_work_group_size", reported(d.max_work_group)},
      {"fp64", d.fp64},
      {"unified_memory", d.unified_memory},
      {"pci_bus_id", text_or_null(d.pci_bus_id)},
      {"uuid", text_or_null(d.uuid)}};
}

ordered_json devices_json(const runtime::DeviceListing& listing) {
  ordered_json j;
  j["schema_version"] = kDevicesSchemaVersion;
  j["platforms"] = ordered_json::array();
  for (const runtime::PlatformDesc& p : listing.platforms) {
    ordered_json pj = {{"index", p.index},
                       {"name", p.name},
                       {"short_name", p.short_name},
                       {"vendor", p.vendor},
                       {"version", p.version},
                       {"error", text_or_null(p.error)},
                       {"hint", text_or_null(p.hint)},
                       {"devices", ordered_json::array()}};
    for (const runtime::DeviceDesc& d : listing.devices) {
      if (d.platform_index == p.index) pj["devices"].push_back(device_json(d));
    }
    j["platforms"].push_back(pj);
  }
  j["host"] = nullptr;
  for (const runtime::DeviceDesc& d : listing.devices) {
    if (d.is_host()) j["host"] = device_json(d);
  }
  return j;
}

}  // namespace clmnist::apps
