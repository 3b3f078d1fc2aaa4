// Devices and platforms as JSON, for `clmnist devices --json` and the bench records: what the
// driver reports, and null where a device reports nothing (the host backend, a missing extension).
#pragma once

#include <nlohmann/json.hpp>

#include "device_info.hpp"

namespace clmnist::apps {

constexpr int kDevicesSchemaVersion = 1;

// A string, or null when empty (not reported).
nlohmann::ordered_json text_or_null(const std::string& s);

nlohmann::ordered_json device_json(const runtime::DeviceDesc& d);

// {"schema_version", "platforms": [... each with its devices, error and hint], "host": {...}}
nlohmann::ordered_json devices_json(const runtime::DeviceListing& listing);

}  // namespace clmnist::apps
