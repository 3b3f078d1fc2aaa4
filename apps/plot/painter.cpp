// SVG and PNG painters.
#include "painter.hpp"

#include <stb/stb_truetype.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "errors.hpp"
#include "gray_image.hpp"
#include "shown_text.hpp"

namespace clmnist::apps {
namespace {

std::string hex(Color c) {
  char b[8];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", c.r, c.g, c.b);
  return b;
}

// Text content of an SVG element: well-formed XML whatever the label holds (a bench record's host
// name, a file name), its control bytes and bytes that are not UTF-8 shown as escapes first.
std::string escape(const std::string& label) {
  std::string o;
  for (char ch : runtime::shown_text(label)) {
    if (ch == '<')
      o += "&lt;";
    else if (ch == '>')
      o += "&gt;";
    else if (ch == '&')
      o += "&amp;";
    else
      o += ch;
  }
  return o;
}

// The code points of a label, its bytes made valid UTF-8 by shown_text first.
std::vector<int> code_points(const std::string& label) {
  const std::string text = runtime::shown_text(label);
  std::vector<int> out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    int cp = n == 1 ? c : c & (0x3f >> (n - 1));
    for (std::size_t k = 1; k < n && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    out.push_back(cp);
    i += n;
  }
  return out;
}

}  // namespace

std::string default_font_path() {
  if (const char* f = std::getenv("CLMNIST_FONT"); f != nullptr && *f != '\0') return f;
  return "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
}

SvgPainter::SvgPainter(int width, int height) {
  out_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
       << "\" viewBox=\"0 0 " << width << " " << height
       << "\" font-family=\"DejaVu Sans, sans-serif\">\n";
}

void SvgPainter::rect(double x, double y, double w, double h, Color fill) {
  out_ << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h
       << "\" fill=\"" << hex(fill) << "\"/>\n";
}

Color diverging_color(double v) {
  const auto mix = [](int from, int to, double t) {
    return static_cast<std::uint8_t>(std::lround(from + (to - from) * std::clamp(t, 0.0, 1.0)));
  };
  return v >= 0 ? Color{mix(255, 200, v), mix(255, 30, v), mix(255, 30, v)}
                : Color{mix(255, 30, -v), mix(255, 60, -v), mix(255, 200, -v)};
}

void Painter::diverging_raster(double x, double y, double cell, std::size_t cols,
                               std::size_t rows, const std::vector<float>& values) {
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t q = 0; q < cols; ++q) {
      // A little over the cell, so that no hairline of background shows between cells.
      rect(x + static_cast<double>(q) * cell, y + static_cast<double>(r) * cell, cell + 0.6,
           cell + 0.6, diverging_color(values[r * cols + q]));
    }
  }
}

namespace {

std::string base64(const std::string& bytes) {
  static const char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = bytes.size() - i;
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       (left > 1 ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0) |
                       (left > 2 ? static_cast<unsigned char>(bytes[i + 2]) : 0);
    out += digits[v >> 18 & 63];
    out += digits[v >> 12 & 63];
    out += left > 1 ? digits[v >> 6 & 63] : '=';
    out += left > 2 ? digits[v & 63] : '=';
  }
  return out;
}

}  // namespace

void SvgPainter::diverging_raster(double x, double y, double cell, std::size_t cols,
                                  std::size_t rows, const std::vector<float>& values) {
  // 31 levels (0 and a step of 1/15 each side: enough for the eye), stored as gray 8k + 4 so
  // that the PNG's row filters leave multiples of 8 to compress. The SVG filter's discrete table
  // of 32 entries splits gray into bins of 256/32 = 8 levels, so 8k + 4 falls in bin k and maps
  // back to diverging_color (in sRGB, not the default linear RGB); the last entry is unused.
  constexpr int kLevels = 31;
  if (!diverging_filter_) {
    std::string table[3];
    for (int k = 0; k <= kLevels; ++k) {
      const Color c = diverging_color(std::min(k, kLevels - 1) / ((kLevels - 1) / 2.0) - 1);
      const std::uint8_t channel[3] = {c.r, c.g, c.b};
      for (int i = 0; i < 3; ++i) {
        char v[16];
        std::snprintf(v, sizeof v, "%s%.4g", k == 0 ? "" : " ", channel[i] / 255.0);
        table[i] += v;
      }
    }
    out_ << "<defs><filter id=\"diverging\" color-interpolation-filters=\"sRGB\"><feComponentTransfer>";
    const char* funcs[3] = {"feFuncR", "feFuncG", "feFuncB"};
    for (int i = 0; i < 3; ++i) {
      out_ << "<" << funcs[i] << " type=\"discrete\" tableValues=\"" << table[i] << "\"/>";
    }
    out_ << "</feComponentTransfer></filter></defs>\n";
    diverging_filter_ = true;
  }
  std::vector<std::uint8_t> gray(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const long k = std::lround((std::clamp<double>(values[i], -1, 1) + 1) * (kLevels - 1) / 2.0);
    gray[i] = static_cast<std::uint8_t>(k * 8 + 4);
  }
  out_ << "<image x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell * static_cast<double>(cols)
       << "\" height=\"" << cell * static_cast<double>(rows)
       << "\" preserveAspectRatio=\"none\" filter=\"url(#diverging)\" "
          "style=\"image-rendering:pixelated\" href=\"data:image/png;base64,"
       << base64(model::encode_png_gray(cols, rows, gray)) << "\"/>\n";
}

void SvgPainter::line(double x0, double y0, double x1, double y1, Color c, double width) {
  out_ << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x1 << "\" y2=\"" << y1
       << "\" stroke=\"" << hex(c) << "\" stroke-width=\"" << width
       << "\" stroke-linecap=\"round\"/>\n";
}

void SvgPainter::text(double x, double y, const std::string& s, double size, Color c, Anchor a) {
  const char* anchor = a == Anchor::kStart ? "start" : a == Anchor::kMiddle ? "middle" : "end";
  out_ << "<text x=\"" << x << "\" y=\"" << y << "\" font-size=\"" << size << "\" fill=\"" << hex(c)
       << "\" text-anchor=\"" << anchor << "\">" << escape(s) << "</text>\n";
}

std::string SvgPainter::finish() { return out_.str() + "</svg>\n"; }

struct PngPainter::Font {
  std::vector<unsigned char> data;
  stbtt_fontinfo info{};
};

PngPainter::PngPainter(int width, int height)
    : width_(width),
      height_(height),
      rgb_(static_cast<std::size_t>(width * height) * 3, 255),
      font_(std::make_unique<Font>()) {
  const std::string path = default_font_path();
  std::ifstream in(path, std::ios::binary);
  font_->data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (font_->data.empty() ||
      stbtt_InitFont(&font_->info, font_->data.data(),
                     stbtt_GetFontOffsetForIndex(font_->data.data(), 0)) == 0) {
    throw Error("cannot load the font '" + path +
                "' for PNG pictures (install fonts-dejavu-core "
                "or set CLMNIST_FONT to a TrueType file)");
  }
}

PngPainter::~PngPainter() = default;

void PngPainter::blend(int x, int y, Color c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  std::uint8_t* p = &rgb_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) +
                           static_cast<std::size_t>(x)) *
                          3];
  const std::uint8_t src[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) {
    p[k] = static_cast<std::uint8_t>(std::lround(p[k] * (1.0 - alpha) + src[k] * alpha));
  }
}

void PngPainter::rect(double x, double y, double w, double h, Color fill) {
  const int x0 = static_cast<int>(std::lround(x)), y0 = static_cast<int>(std::lround(y));
  const int x1 = static_cast<int>(std::lround(x + w)), y1 = static_cast<int>(std::lround(y + h));
  for (int yy = std::max(0, y0); yy < std::min(height_, y1); ++yy) {
    for (int xx = std::max(0, x0); xx < std::min(width_, x1); ++xx) blend(xx, yy, fill, 1.0);
  }
}

void PngPainter::line(double x0, double y0, double x1, double y1, Color c, double width) {
  // Coverage by distance to the segment: anti-aliased, round caps.
  const double r = width / 2.0;
  const int bx0 = static_cast<int>(std::floor(std::min(x0, x1) - r - 1));
  const int bx1 = static_cast<int>(std::ceil(std::max(x0, x1) + r + 1));
  const int by0 = static_cast<int>(std::floor(std::min(y0, y1) - r - 1));
  const int by1 = static_cast<int>(std::ceil(std::max(y0, y1) + r + 1));
  const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = std::max(0, by0); y <= std::min(height_ - 1, by1); ++y) {
    for (int x = std::max(0, bx0); x <= std::min(width_ - 1, bx1); ++x) {
      const double px = x + 0.5, py = y + 0.5;
      double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0;
      t = std::clamp(t, 0.0, 1.0);
      const double d = std::hypot(px - (x0 + t * dx), py - (y0 + t * dy));
      blend(x, y, c, r + 0.5 - d);
    }
  }
}

void PngPainter::text(double x, double y, const std::string& s, double size, Color c, Anchor a) {
  const float scale = stbtt_ScaleForPixelHeight(&font_->info, static_cast<float>(size));
  const std::vector<int> glyphs = code_points(s);
  double advance = 0;
  for (int ch : glyphs) {
    int adv = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(&font_->info, ch, &adv, &lsb);
    advance += static_cast<double>(adv) * static_cast<double>(scale);
  }
  double pen = a == Anchor::kStart ? x : a == Anchor::kMiddle ? x - advance / 2 : x - advance;
  for (int ch : glyphs) {
    int w = 0, h = 0, xoff = 0, yoff = 0;
    unsigned char* bitmap =
        stbtt_GetCodepointBitmap(&font_->info, 0, scale, ch, &w, &h, &xoff, &yoff);
    const int ox = static_cast<int>(std::lround(pen)) + xoff,
              oy = static_cast<int>(std::lround(y)) + yoff;
    for (int j = 0; j < h; ++j) {
      for (int i = 0; i < w; ++i) blend(ox + i, oy + j, c, bitmap[j * w + i] / 255.0);
    }
    stbtt_FreeBitmap(bitmap, nullptr);
    int adv = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(&font_->info, ch, &adv, &lsb);
    pen += static_cast<double>(adv) * static_cast<double>(scale);
  }
}

std::string PngPainter::encode() const {
  return model::encode_png_rgb(static_cast<std::size_t>(width_), static_cast<std::size_t>(height_),
                               rgb_);
}

}  // namespace clmnist::apps
