// The image decoders behind read_image (gray_image.cpp): what they share. Internal to model/.
#pragma once

#include <cstdint>
#include <string>

#include "gray_image.hpp"

namespace clmnist::model {

// Most pixels an image may declare: 64 M (8192 x 8192), checked before anything is decoded (a
// 53-byte HDR header asked for 2.6 GB).
constexpr std::uint64_t kMaxImagePixels = std::uint64_t{64} << 20;

// 8-bit RGBA pixels as gray: Rec. 601 luma of the stored values (what PIL's convert("L") gives),
// composited onto white.
GrayImage gray_from_rgba(std::size_t width, std::size_t height, const std::uint8_t* rgba);

// JPEG, BMP, GIF (its first frame), TGA, PSD, HDR, PIC and PNM through stb_image. Throws
// DataError naming `path` for a file it cannot decode, one that declares more pixels than
// kMaxImagePixels or than its bytes can hold, and one that ends before its pixels do.
GrayImage read_with_stb(const std::string& path, const std::string& bytes);

}  // namespace clmnist::model
