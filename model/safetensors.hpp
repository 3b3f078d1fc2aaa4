// The safetensors format for float32 tensors: 8-byte little-endian header length N, N bytes of
// JSON ({"name": {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}, "__metadata__": {...}}),
// then the raw little-endian data. Reading validates everything the reference reader does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "output_file.hpp"

namespace clmnist::model {

struct TensorF32 {
  std::vector<std::uint64_t> shape;
  std::vector<float> data;
};

struct SafeTensors {
  std::map<std::string, TensorF32> tensors;  // written in name order
  std::map<std::string, std::string> metadata;
};

// Largest header accepted, as in the reference implementation.
constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

std::string encode_safetensors(const SafeTensors& st);
// Throws DataError naming `name` and the problem.
SafeTensors decode_safetensors(const std::string& bytes, const std::string& name);

SafeTensors read_safetensors(const std::string& path);

}  // namespace clmnist::model
