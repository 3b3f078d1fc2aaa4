// Image reading (libpng without its colour management; PGM by hand: a header and raw samples;
// the other formats through stb_image),
// writing (libpng's simplified API), and the MNIST preparation of a digit: polarity, crop,
// area-averaged scaling, centre of mass.
#include "gray_image.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "errors.hpp"
#include "image_decoders.hpp"
#include "input_file.hpp"
#include "safetensors.hpp"

namespace clmnist::model {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw DataError(path + ": " + problem);
}

// Images larger than this are not digits anyone photographed for clmnist.
constexpr std::uint64_t kMaxImageBytes = std::uint64_t{64} << 20;

std::string read_all(const std::string& path) {
  return read_input_file(path, kMaxImageBytes, "an image");
}

// libpng's errors end in a longjmp back to decode_png; its warnings (a damaged ancillary chunk,
// a made-up colour profile) are not errors: the image is still read.
struct PngSource {
  const std::string& bytes;
  std::size_t offset = 8;  // after the signature
  char message[200] = "";
};

extern "C" void png_on_error(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->message, sizeof src->message, "%s", message);
  png_longjmp(png, 1);
}

extern "C" void png_on_warning(png_structp, png_const_charp) {}

extern "C" void png_read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->bytes.size() - src->offset) png_error(png, "the file ends inside the image");
  std::memcpy(out, src->bytes.data() + src->offset, n);
  src->offset += n;
}

// Decodes into 8-bit RGBA whatever the bit depth, colour type or interlacing. No gamma or colour
// chunk is applied (gAMA, sRGB, iCCP, cHRM): the samples are the file's values, as MNIST's are;
// 16-bit samples are scaled to 8 bits with rounding. Returns false with src.message set on an
// error. Only plain data lives in this frame, so the longjmp skips no destructor.
bool decode_png(PngSource& src, std::vector<std::uint8_t>& rgba, png_uint_32& width,
                png_uint_32& height, std::vector<png_bytep>& rows) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_on_error, png_on_warning);
  if (png == nullptr) {
    std::snprintf(src.message, sizeof src.message, "libpng could not start");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
    return false;
  }
  png_set_read_fn(png, &src, png_read_bytes);
  png_set_sig_bytes(png, 8);
  png_set_benign_errors(png, 1);
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);
  width = png_get_image_width(png, info);
  height = png_get_image_height(png, info);
  png_set_expand(png);    // palette to RGB, gray below 8 bits to 8, tRNS to alpha
  png_set_scale_16(png);  // 16 to 8 bits, rounded
  png_set_gray_to_rgb(png);
  png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != std::size_t{width} * 4) {
    std::snprintf(src.message, sizeof src.message, "unsupported PNG layout");
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  rgba.resize(std::size_t{width} * height * 4);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = rgba.data() + std::size_t{y} * width * 4;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

GrayImage read_png(const std::string& path, const std::string& bytes) {
  PngSource src{bytes};
  std::vector<std::uint8_t> rgba;
  std::vector<png_bytep> rows;
  png_uint_32 w = 0, h = 0;
  if (!decode_png(src, rgba, w, h, rows)) {
    fail(path, std::string("not a readable PNG (") + src.message + ")");
  }
  if (w == 0 || h == 0) fail(path, "the PNG has no pixels");
  return gray_from_rgba(w, h, rgba.data());
}

GrayImage read_pgm(const std::string& path, const std::string& bytes) {
  std::istringstream in(bytes);
  std::string magic;
  in >> magic;
  auto next_number = [&](const char* what, bool may_be_zero = false) {
    for (;;) {
      in >> std::ws;
      if (in.peek() == '#') {
        std::string comment;
        std::getline(in, comment);
        continue;
      }
      long long v = -1;
      if (!(in >> v) || v < 0 || (v == 0 && !may_be_zero)) {
        fail(path, std::string("PGM: bad ") + what);
      }
      return static_cast<std::size_t>(v);
    }
  };
  const std::size_t w = next_number("width"), h = next_number("height");
  const std::size_t maxval = next_number("maximum value");
  if (w > kMaxImageSide || h > kMaxImageSide) fail(path, "image larger than 16384 pixels a side");
  // Every sample takes a byte at least (P5) or a digit and a separator (P2).
  if (w * h > kMaxImagePixels || w * h > bytes.size()) {
    fail(path, "the PGM declares " + std::to_string(w) + " x " + std::to_string(h) +
                   " pixels, more than " +
                   (w * h > kMaxImagePixels ? "the 64 M clmnist reads"
                                            : "its " + std::to_string(bytes.size()) + " bytes hold"));
  }
  if (maxval > 65535) fail(path, "PGM maximum value over 65535");
  GrayImage out;
  out.width = w;
  out.height = h;
  out.pixels.resize(w * h);
  const auto scale = [&](std::size_t v) {
    if (v > maxval) fail(path, "PGM sample above the maximum value");
    return static_cast<std::uint8_t>((v * 255 + maxval / 2) / maxval);
  };
  if (magic == "P2") {
    for (auto& p : out.pixels) p = scale(next_number("sample", true));
    return out;
  }
  if (magic != "P5") fail(path, "not a PNG or PGM (P2/P5) image");
  in.get();  // the single whitespace after maxval
  const std::size_t bps = maxval > 255 ? 2 : 1;
  std::string raw(w * h * bps, '\0');
  if (!in.read(raw.data(), static_cast<std::streamsize>(raw.size())))
    fail(path, "PGM data truncated");
  for (std::size_t i = 0; i < w * h; ++i) {
    const auto* b = reinterpret_cast<const unsigned char*>(raw.data() + i * bps);
    out.pixels[i] = scale(bps == 2 ? (std::size_t{b[0]} << 8 | b[1]) : b[0]);
  }
  return out;
}

}  // namespace

std::string png_library_version() {
  const png_uint_32 v = png_access_version_number();  // 10639 for 1.6.39
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

GrayImage read_image(const std::string& path) {
  const std::string bytes = read_all(path);
  if (bytes.size() >= 8 &&
      png_sig_cmp(reinterpret_cast<png_const_bytep>(bytes.data()), 0, 8) == 0) {
    return read_png(path, bytes);
  }
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5')) {
    return read_pgm(path, bytes);
  }
  return read_with_stb(path, bytes);
}

namespace {

std::string encode_png(std::size_t w, std::size_t h, png_uint_32 format,
                       const std::vector<std::uint8_t>& data) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(w);
  img.height = static_cast<png_uint_32>(h);
  img.format = format;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, data.data(), 0, nullptr)) {
    throw Error(std::string("cannot encode PNG (") + img.message + ")");
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&img, out.data(), &size, 0, data.data(), 0, nullptr)) {
    throw Error(std::string("cannot encode PNG (") + img.message + ")");
  }
  out.resize(size);
  return out;
}

}  // namespace

void write_png(const std::string& path, const GrayImage& image) {
  write_file_atomic(path, encode_png(image.width, image.height, PNG_FORMAT_GRAY, image.pixels));
}

std::string encode_png_gray(std::size_t width, std::size_t height,
                            const std::vector<std::uint8_t>& gray) {
  return encode_png(width, height, PNG_FORMAT_GRAY, gray);
}

std::string encode_png_rgb(std::size_t width, std::size_t height,
                           const std::vector<std::uint8_t>& rgb) {
  return encode_png(width, height, PNG_FORMAT_RGB, rgb);
}

void write_png_rgb(const std::string& path, std::size_t width, std::size_t height,
                   const std::vector<std::uint8_t>& rgb) {
  write_file_atomic(path, encode_png_rgb(width, height, rgb));
}

namespace {

// Each pixel's ink: its distance from the background level (the border's median).
std::vector<float> ink_of(const GrayImage& in) {
  const std::size_t w = in.width, h = in.height;
  // Polarity: MNIST digits are light on dark. A light border means a dark digit: invert.
  std::vector<std::uint8_t> border;
  for (std::size_t x = 0; x < w; ++x) {
    border.push_back(in.pixels[x]);
    border.push_back(in.pixels[(h - 1) * w + x]);
  }
  for (std::size_t y = 0; y < h; ++y) {
    border.push_back(in.pixels[y * w]);
    border.push_back(in.pixels[y * w + w - 1]);
  }
  std::nth_element(border.begin(), border.begin() + static_cast<std::ptrdiff_t>(border.size() / 2),
                   border.end());
  const int background = border[border.size() / 2];
  const bool invert = background > 127;
  std::vector<float> ink(w * h);
  for (std::size_t i = 0; i < w * h; ++i) {
    const int v = invert ? 255 - in.pixels[i] : in.pixels[i];
    const int bg = invert ? 255 - background : background;
    ink[i] = static_cast<float>(std::max(0, v - bg));  // background removed
  }
  return ink;
}

// A rectangle of pixels, both ends included.
struct PixelBox {
  std::size_t x0, x1, y0, y1;
};

// A grey picture of doubles, row by row.
struct Plane {
  std::size_t width = 0, height = 0;
  std::vector<double> values;
};

// The crop `c` of the w-wide `ink`, its longer side scaled to `box` by area averaging (each output
// pixel the mean of its source area), keeping the aspect ratio. Coordinates in doubles: source
// pixel x covers [x, x + 1).
Plane scale_by_area(const std::vector<float>& ink, std::size_t w, const PixelBox& c,
                    std::size_t box) {
  const std::size_t cw = c.x1 - c.x0 + 1, ch = c.y1 - c.y0 + 1;
  const double dcw = static_cast<double>(cw), dch = static_cast<double>(ch);
  const double s = static_cast<double>(box) / std::max(dcw, dch);
  const auto ow = static_cast<std::size_t>(std::max(1.0, std::round(dcw * s)));
  const auto oh = static_cast<std::size_t>(std::max(1.0, std::round(dch * s)));
  std::vector<double> small(ow * oh, 0.0);
  for (std::size_t oy = 0; oy < oh; ++oy) {
    const double sy0 = static_cast<double>(oy) / s,
                 sy1 = std::min(dch, static_cast<double>(oy + 1) / s);
    for (std::size_t ox = 0; ox < ow; ++ox) {
      const double sx0 = static_cast<double>(ox) / s;
      const double sx1 = std::min(dcw, static_cast<double>(ox + 1) / s);
      double sum = 0.0, area = 0.0;
      for (double y = std::floor(sy0); y < sy1; y += 1.0) {
        const double fy = std::min(y + 1.0, sy1) - std::max(y, sy0);
        for (double x = std::floor(sx0); x < sx1; x += 1.0) {
          const double f = fy * (std::min(x + 1.0, sx1) - std::max(x, sx0));
          const std::size_t iy = c.y0 + static_cast<std::size_t>(y),
                            ix = c.x0 + static_cast<std::size_t>(x);
          sum += f * static_cast<double>(ink[iy * w + ix]);
          area += f;
        }
      }
      small[oy * ow + ox] = area > 0 ? sum / area : 0.0;
    }
  }
  return {ow, oh, std::move(small)};
}

// `small` normalised to 0..255 and placed by its centre of mass at the centre of a rows x cols
// frame (what falls outside is cut).
GrayImage center_by_mass(Plane small, std::size_t rows, std::size_t cols) {
  const std::size_t ow = small.width, oh = small.height;
  std::vector<double>& v = small.values;
  const double top = *std::max_element(v.begin(), v.end());
  double mx = 0, my = 0, mass = 0;
  for (std::size_t y = 0; y < oh; ++y) {
    for (std::size_t x = 0; x < ow; ++x) {
      const double p = v[y * ow + x] / top * 255.0;
      v[y * ow + x] = p;
      mx += p * (static_cast<double>(x) + 0.5);
      my += p * (static_cast<double>(y) + 0.5);
      mass += p;
    }
  }
  const long dx = std::lround(static_cast<double>(cols) / 2.0 - mx / mass);
  const long dy = std::lround(static_cast<double>(rows) / 2.0 - my / mass);
  GrayImage out;
  out.width = cols;
  out.height = rows;
  out.pixels.assign(rows * cols, 0);
  for (std::size_t y = 0; y < oh; ++y) {
    for (std::size_t x = 0; x < ow; ++x) {
      const long tx = static_cast<long>(x) + dx, ty = static_cast<long>(y) + dy;
      if (tx < 0 || ty < 0 || tx >= static_cast<long>(cols) || ty >= static_cast<long>(rows))
        continue;
      out.pixels[static_cast<std::size_t>(ty) * cols + static_cast<std::size_t>(tx)] =
          static_cast<std::uint8_t>(std::lround(v[y * ow + x]));
    }
  }
  return out;
}

}  // namespace

GrayImage prepare_digit(const GrayImage& in, std::size_t rows, std::size_t cols, std::size_t box) {
  const std::size_t w = in.width, h = in.height;
  const std::vector<float> ink = ink_of(in);
  const float peak = *std::max_element(ink.begin(), ink.end());
  if (peak < 32.0f) throw DataError("no digit found: the image has no ink against its background");
  // Crop to the pixels with at least a tenth of the peak ink.
  std::size_t x0 = w, x1 = 0, y0 = h, y1 = 0;
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      if (ink[y * w + x] >= 0.1f * peak) {
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      }
    }
  }
  return center_by_mass(scale_by_area(ink, w, {x0, x1, y0, y1}, box), rows, cols);
}

}  // namespace clmnist::model
