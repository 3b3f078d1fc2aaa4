// libFuzzer target for the image readers (PNG through libpng, PGM by hand, every other format
// through stb_image with its size checks) and the digit preparation after them. Only DataError
// may escape.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "errors.hpp"
#include "gray_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // read_image reads a file (its size checked against the file's length first).
  static const std::string path = "/tmp/clmnist-fuzz-img-" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const clmnist::model::GrayImage image = clmnist::model::read_image(path);
    if (image.pixels.size() != image.width * image.height) __builtin_trap();
    const clmnist::model::GrayImage digit = clmnist::model::prepare_digit(image, 28, 28, 20);
    if (digit.pixels.size() != 28 * 28) __builtin_trap();
  } catch (const clmnist::DataError&) {
  }
  return 0;
}
