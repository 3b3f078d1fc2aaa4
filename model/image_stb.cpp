// The image formats read through stb_image. stb_image decodes a file that ends early as if it
// went on with zero bytes, or with the last bytes it read (a cut TGA, GIF, PSD, HDR or PNM gave a
// digit with exit 0), so every file is decoded again with bytes of 0xFF, then of 0x00, after its
// end: a decoder that read past the end sees other bytes in one of them and gives other pixels,
// whatever the format.
#include <stb/stb_image.h>

#include <cstring>
#include <memory>

#include "errors.hpp"
#include "image_decoders.hpp"

namespace clmnist::model {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw DataError(path + ": " + problem);
}

using StbPixels = std::unique_ptr<stbi_uc, void (*)(void*)>;

// The image as 8-bit RGBA, or nullptr where stb_image cannot decode it.
StbPixels decode_rgba(const std::string& bytes, int& w, int& h) {
  int channels = 0;
  return StbPixels(stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                         static_cast<int>(bytes.size()), &w, &h, &channels, 4),
                   stbi_image_free);
}

// The size the header declares, checked before any decoding: within kMaxImagePixels, and no
// more than the file can hold. No format stb_image reads stores 4,096 pixels in less than a byte
// (GIF's longest LZW code is 4,096 pixels in 12 bits; the run-length formats need a byte or two
// a run of at most 128).
void check_declared_size(const std::string& path, const std::string& bytes, int w, int h) {
  if (w <= 0 || h <= 0) fail(path, "the image has no pixels");
  if (static_cast<std::size_t>(w) > kMaxImageSide || static_cast<std::size_t>(h) > kMaxImageSide) {
    fail(path, "image larger than 16384 pixels a side");
  }
  const std::uint64_t pixels = std::uint64_t(w) * std::uint64_t(h);
  const std::string size = std::to_string(w) + " x " + std::to_string(h) + " pixels";
  if (pixels > kMaxImagePixels) {
    fail(path, "the image declares " + size + ", more than the " +
                   std::to_string(kMaxImagePixels >> 20) + " M clmnist reads");
  }
  if (pixels > std::uint64_t{4096} * bytes.size()) {
    fail(path, "the image declares " + size + ", more than its " + std::to_string(bytes.size()) +
                   " bytes can hold; the file is damaged");
  }
}

// stb_image fills a BMP that ends early with zeros: its header says how long it should be.
void check_bmp_length(const std::string& path, const std::string& bytes) {
  if (bytes.size() < 6 || bytes[0] != 'B' || bytes[1] != 'M') return;
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t declared = b[2] | b[3] << 8 | b[4] << 16 | std::size_t{b[5]} << 24;
  if (declared > bytes.size()) {
    fail(path, "the BMP ends early (" + std::to_string(bytes.size()) + " of " +
                   std::to_string(declared) + " bytes)");
  }
}

}  // namespace

GrayImage gray_from_rgba(std::size_t width, std::size_t height, const std::uint8_t* rgba) {
  GrayImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(out.width * out.height);
  for (std::size_t i = 0; i < out.pixels.size(); ++i) {
    const std::uint8_t* p = rgba + 4 * i;
    const unsigned g = (299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u, a = p[3];
    out.pixels[i] = static_cast<std::uint8_t>((g * a + 255u * (255u - a) + 127u) / 255u);
  }
  return out;
}

GrayImage read_with_stb(const std::string& path, const std::string& bytes) {
  int w = 0, h = 0, channels = 0;
  if (stbi_info_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                            static_cast<int>(bytes.size()), &w, &h, &channels) == 0) {
    fail(path, "not an image clmnist reads (PNG, PGM, JPEG, BMP, GIF, TGA, PSD, HDR, PIC, PNM)");
  }
  check_declared_size(path, bytes, w, h);
  check_bmp_length(path, bytes);
  StbPixels rgba = decode_rgba(bytes, w, h);
  if (rgba == nullptr) {
    const char* why = stbi_failure_reason();
    fail(path, std::string("cannot decode the image (") + (why != nullptr ? why : "damaged") + ")");
  }
  constexpr std::size_t kProbe = 4096;
  for (const char beyond : {'\xff', '\0'}) {
    int w2 = 0, h2 = 0;
    const StbPixels again = decode_rgba(bytes + std::string(kProbe, beyond), w2, h2);
    if (again == nullptr || w2 != w || h2 != h ||
        std::memcmp(again.get(), rgba.get(), std::size_t(w) * std::size_t(h) * 4) != 0) {
      fail(path, "the file ends before its pixels do (" + std::to_string(bytes.size()) +
                     " bytes); it was cut short or is damaged");
    }
  }
  return gray_from_rgba(static_cast<std::size_t>(w), static_cast<std::size_t>(h), rgba.get());
}

}  // namespace clmnist::model
