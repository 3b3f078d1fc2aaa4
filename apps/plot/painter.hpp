// Drawing primitives with two back ends: SVG text and a PNG raster (libpng to encode,
// stb_truetype with DejaVu Sans for text). Charts draw once and get both formats.
#pragma once

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace clmnist::apps {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
};
enum class Anchor { kStart, kMiddle, kEnd };

class Painter {
 public:
  virtual ~Painter() = default;
  virtual void rect(double x, double y, double w, double h, Color fill) = 0;
  virtual void line(double x0, double y0, double x1, double y1, Color c, double width) = 0;
  // Text with its baseline at y.
  virtual void text(double x, double y, const std::string& s, double size, Color c, Anchor a) = 0;
  // Values in [-1, 1] (cols x rows, row-major) as a grid of square cells of `cell` units from
  // (x, y), coloured by diverging_color; by default one rect a cell.
  virtual void diverging_raster(double x, double y, double cell, std::size_t cols,
                                std::size_t rows, const std::vector<float>& values);
};

// Blue (-1) through white (0) to red (+1), linear in each 8-bit channel.
Color diverging_color(double v);

class SvgPainter final : public Painter {
 public:
  SvgPainter(int width, int height);
  void rect(double x, double y, double w, double h, Color fill) override;
  void line(double x0, double y0, double x1, double y1, Color c, double width) override;
  void text(double x, double y, const std::string& s, double size, Color c, Anchor a) override;
  // One <image>: the values as an embedded gray PNG of 31 levels, coloured by an SVG filter with
  // diverging_color's colours and drawn without smoothing: a weight picture is tens of KB, not
  // the 500 KB (softmax regression) to 4 MB (an MLP's 100 filters) of one rect a weight.
  void diverging_raster(double x, double y, double cell, std::size_t cols, std::size_t rows,
                        const std::vector<float>& values) override;
  std::string finish();

 private:
  std::ostringstream out_;
  bool diverging_filter_ = false;  // its <filter> is written before the first raster
};

class PngPainter final : public Painter {
 public:
  PngPainter(int width, int height);  // throws Error if the font cannot be loaded
  ~PngPainter() override;
  void rect(double x, double y, double w, double h, Color fill) override;
  void line(double x0, double y0, double x1, double y1, Color c, double width) override;
  void text(double x, double y, const std::string& s, double size, Color c, Anchor a) override;
  std::string encode() const;  // the picture as PNG bytes

 private:
  void blend(int x, int y, Color c, double alpha);
  struct Font;
  int width_, height_;
  std::vector<std::uint8_t> rgb_;
  std::unique_ptr<Font> font_;
};

// The font PngPainter uses: CLMNIST_FONT, else DejaVu Sans (Debian's fonts-dejavu-core).
std::string default_font_path();

// Files to write as a group: (path, bytes).
using OutputFiles = std::vector<std::pair<std::string, std::string>>;

// Draws with `draw` into WIDTH x HEIGHT and adds BASE.svg and BASE.png to `out`.
template <class F>
void draw_both(OutputFiles& out, const std::string& base, int width, int height, F&& draw);

}  // namespace clmnist::apps

#include "painter_inl.hpp"
