// safetensors encoding and validated decoding (nlohmann::json for the header).
#include "safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "errors.hpp"
#include "input_file.hpp"
#include "json_read.hpp"
#include "json_text.hpp"
#include "shown_text.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "clmnist writes float32 data as stored in memory: a little-endian host is required"
#endif

namespace clmnist::model {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& problem) {
  throw DataError(name + ": not a valid clmnist safetensors file: " + problem);
}

}  // namespace

std::string encode_safetensors(const SafeTensors& st) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : st.tensors) {
    const std::uint64_t bytes = t.data.size() * sizeof(float);
    header[name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!st.metadata.empty()) header["__metadata__"] = st.metadata;
  std::string text = json_text(header);  // metadata such as a driver's device name may be any bytes
  while (text.size() % 8 != 0) text.push_back(' ');
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += text;
  for (const auto& [name, t] : st.tensors) {
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size() * sizeof(float));
  }
  return out;
}

namespace {

// The JSON header after the 8-byte little-endian length `n`, checked against the file's size.
nlohmann::json parse_header(const std::string& bytes, const std::string& name, std::uint64_t& n) {
  if (bytes.size() < 8)
    fail(name, "the file is " + std::to_string(bytes.size()) + " bytes, under 8");
  n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  if (n > kMaxSafetensorsHeader) {
    fail(name, "header length " + std::to_string(n) + " is over the limit of " +
                   std::to_string(kMaxSafetensorsHeader));
  }
  if (n > bytes.size() - 8) {
    fail(name, "header length " + std::to_string(n) + " runs past the end of the " +
                   std::to_string(bytes.size()) + "-byte file");
  }
  nlohmann::json header;
  try {
    header = runtime::parse_json_bounded(bytes.substr(8, n));
  } catch (const nlohmann::json::exception& e) {
    fail(name, "the header is not valid JSON (" + json_error_text(e) +
                   "); the file is damaged or not a safetensors file");
  }
  if (!header.is_object()) fail(name, "the header is not a JSON object");
  return header;
}

void read_metadata(const nlohmann::json& v, const std::string& name,
                   std::map<std::string, std::string>& metadata) {
  if (!v.is_object()) fail(name, "__metadata__ is not an object");
  for (auto m = v.begin(); m != v.end(); ++m) {
    if (!m.value().is_string())
      fail(name, "__metadata__ value '" + runtime::shown_text(m.key(), 60) + "' is not a string");
    metadata[m.key()] = m.value().get<std::string>();
  }
}

// Where a tensor's bytes lie in the data section.
struct Range {
  std::uint64_t begin, end;
  std::string name;
};

// Tensor `key` of the header, its entry `v` checked against the data section (`data_size` bytes
// at `data`); its bytes' range goes to `ranges`.
TensorF32 decode_tensor(const std::string& key, const nlohmann::json& v, const char* data,
                        std::uint64_t data_size, const std::string& name,
                        std::vector<Range>& ranges) {
  const std::string tensor = "tensor '" + runtime::shown_text(key, 60) + "'";  // a file's text
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
      !v.contains("data_offsets")) {
    fail(name, tensor + " lacks dtype, shape or data_offsets");
  }
  if (!v["dtype"].is_string() || v["dtype"].get<std::string>() != "F32") {
    fail(name,
         tensor + " has dtype " + runtime::shown_json(v["dtype"]) + "; only F32 is supported");
  }
  const nlohmann::json& shape = v["shape"];
  const nlohmann::json& offs = v["data_offsets"];
  if (!shape.is_array() || !offs.is_array() || offs.size() != 2) {
    fail(name, tensor + " has a malformed shape or data_offsets");
  }
  TensorF32 t;
  std::uint64_t elements = 1;
  for (const auto& d : shape) {
    if (!d.is_number_unsigned()) fail(name, tensor + " has a non-integer dimension");
    const std::uint64_t dim = d.get<std::uint64_t>();
    if (dim != 0 && elements > (std::uint64_t{1} << 40) / dim) {
      fail(name, tensor + " has a shape whose element count overflows");
    }
    elements *= dim;
    t.shape.push_back(dim);
  }
  if (!offs[0].is_number_unsigned() || !offs[1].is_number_unsigned()) {
    fail(name, tensor + " has non-integer data_offsets");
  }
  const std::uint64_t b = offs[0].get<std::uint64_t>();
  const std::uint64_t e = offs[1].get<std::uint64_t>();
  if (b > e || e > data_size) {
    fail(name, tensor + " has data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                   "] outside the " + std::to_string(data_size) + "-byte data section");
  }
  if (e - b != elements * sizeof(float)) {
    fail(name, tensor + " has " + std::to_string(elements) + " elements but " +
                   std::to_string(e - b) + " bytes");
  }
  t.data.resize(elements);
  if (elements != 0) std::memcpy(t.data.data(), data + b, e - b);
  ranges.push_back({b, e, key});
  return t;
}

// The tensors must tile the data section: no overlap, no hole, nothing after the last.
void check_tiling(std::vector<Range> ranges, std::uint64_t data_size, const std::string& name) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& x, const Range& y) { return x.begin < y.begin; });
  std::uint64_t cursor = 0;
  for (const Range& r : ranges) {
    if (r.begin != cursor) {
      fail(name,
           "tensor '" + runtime::shown_text(r.name, 60) + "' starts at byte " +
               std::to_string(r.begin) +
               (r.begin < cursor ? ", overlapping the tensor before it" : ", leaving a hole") +
               " (expected " + std::to_string(cursor) + ")");
    }
    cursor = r.end;
  }
  if (cursor != data_size) {
    fail(name, std::to_string(data_size - cursor) + " bytes after the last tensor are not covered");
  }
}

}  // namespace

SafeTensors decode_safetensors(const std::string& bytes, const std::string& name) {
  std::uint64_t n = 0;
  const nlohmann::json header = parse_header(bytes, name, n);
  const std::uint64_t data_size = bytes.size() - 8 - n;
  const char* data = bytes.data() + 8 + n;

  SafeTensors st;
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    if (key == "__metadata__") {
      read_metadata(it.value(), name, st.metadata);
      continue;
    }
    st.tensors.emplace(key, decode_tensor(key, it.value(), data, data_size, name, ranges));
  }
  check_tiling(std::move(ranges), data_size, name);
  return st;
}

SafeTensors read_safetensors(const std::string& path) {
  // The header may be up to 100,000,000 bytes (the reference reader's limit); the tensors of the
  // networks clmnist builds stay far below 4 GiB.
  constexpr std::uint64_t kMaxModelBytes = std::uint64_t{4} << 30;
  if (input_problem(path) == "no such file") {
    throw DataError(path + ": no such model file; train one with `clmnist train --save-model " +
                    path + "`");
  }
  return decode_safetensors(read_input_file(path, kMaxModelBytes, "a model file"), path);
}

}  // namespace clmnist::model
