// libFuzzer target for the safetensors decoder and the model and checkpoint loaders built on it.
// Only DataError may escape.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "checkpoint.hpp"
#include "errors.hpp"
#include "network_model.hpp"
#include "safetensors.hpp"

namespace {

// Most mutations of a whole file break its 8-byte length prefix first, so half of the inputs are
// taken as the JSON header alone: the prefix is computed and a data section appended, and the
// fuzzer reaches the tensor and metadata checks.
std::string as_file(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || data[0] != '{') return std::string(reinterpret_cast<const char*>(data), size);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((size >> (8 * i)) & 0xff);
  out.append(reinterpret_cast<const char*>(data), size);
  out.append(std::string(64, '\x01'));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes = as_file(data, size);
  try {
    const auto st = clmnist::model::decode_safetensors(bytes, "fuzz");
    // A decoded file re-encodes to a file that decodes to the same tensors.
    const auto again =
        clmnist::model::decode_safetensors(clmnist::model::encode_safetensors(st), "re");
    if (again.tensors.size() != st.tensors.size()) __builtin_trap();
  } catch (const clmnist::DataError&) {
  }
  static const std::string path = "/tmp/clmnist-fuzz-st-" + std::to_string(::getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    try {
      clmnist::model::load_model(path);
    } catch (const clmnist::DataError&) {
    }
    try {
      clmnist::model::load_checkpoint(path);
    } catch (const clmnist::DataError&) {
    }
  }
  return 0;
}
