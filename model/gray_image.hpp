// 8-bit grayscale images: PNG (any colour type, through libpng), PGM (P2/P5), JPEG, BMP and the
// other formats of stb_image in and PNG out,
// and the MNIST-style preparation of a user's own digit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clmnist::model {

struct GrayImage {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // [height x width], row-major
};

// Largest side accepted when reading (a guard against decompression bombs).
constexpr std::size_t kMaxImageSide = 16384;

// Reads PNG or PGM as the file's values, whatever the bit depth (16-bit samples scaled to 8 with
// rounding) and ignoring gAMA, sRGB, iCCP and cHRM, so the same digit gives the same pixels in
// every encoding; colour becomes Rec. 601 luma of the stored values, transparency is composited
// onto white. JPEG, BMP, GIF (first frame), TGA, PSD, HDR and PIC are read through stb_image the
// same way. Throws DataError naming the file and the problem.
GrayImage read_image(const std::string& path);
// The version of the libpng loaded ("1.6.39").
std::string png_library_version();
// Writes an 8-bit grayscale PNG atomically.
void write_png(const std::string& path, const GrayImage& image);
// An 8-bit gray PNG ([height x width]) as bytes; throws Error if libpng cannot encode it.
std::string encode_png_gray(std::size_t width, std::size_t height,
                            const std::vector<std::uint8_t>& gray);
// An 8-bit RGB PNG ([height x width x 3]) as bytes; throws Error if libpng cannot encode it.
std::string encode_png_rgb(std::size_t width, std::size_t height,
                           const std::vector<std::uint8_t>& rgb);
// Writes an 8-bit RGB PNG ([height x width x 3]) atomically.
void write_png_rgb(const std::string& path, std::size_t width, std::size_t height,
                   const std::vector<std::uint8_t>& rgb);

// The digit in `image` as MNIST has them: light on dark (inverted when the border is light),
// cropped to its ink, scaled so its longer side is `box` pixels, and placed in a rows x cols
// frame with its centre of mass at the centre. Throws DataError if there is no ink.
GrayImage prepare_digit(const GrayImage& image, std::size_t rows = 28, std::size_t cols = 28,
                        std::size_t box = 20);

}  // namespace clmnist::model
