// libFuzzer target for the safetensors decoder and the model and checkpoint loaders built on it.
// Only DataError may escape.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "checkpoint.hpp"
#include "errors.hpp"
#include "safetensors.hpp"
#include "softmax_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const auto st = clmnist::model::decode_safetensors(bytes, "fuzz");
    // A decoded file re-encodes to a file that decodes to the same tensors.
    const auto again = clmnist::model::decode_safetensors(clmnist::model::encode_safetensors(st), "re");
    if (again.tensors.size() != st.tensors.size()) __builtin_trap();
  } catch (const clmnist::DataError&) {
  }
  static const std::string path = "/tmp/clmnist-fuzz-st-" + std::to_string(::getpid());
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
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
