// Chart layout: axes with "nice" ticks, legends, bars with values, heatmaps.
#include "charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace clmnist::apps {
namespace {

const Color kInk{40, 40, 40}, kGrid{225, 225, 225}, kAxis{120, 120, 120};

std::string fmt(double v) {
  char b[32];
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e5 || a < 1e-3)) {
    std::snprintf(b, sizeof b, "%.1e", v);
  } else {
    std::snprintf(b, sizeof b, "%g", std::round(v * 1e4) / 1e4);
  }
  return b;
}

// 3.43 M, 512 k, 59.2: three significant digits and an SI prefix.
std::string si(double v) {
  const char* prefix[] = {"", " k", " M", " G", " T"};
  int i = 0;
  while (std::fabs(v) >= 1000 && i < 4) v /= 1000, ++i;
  char b[32];
  std::snprintf(b, sizeof b, "%.3g%s", v, prefix[i]);
  return b;
}

// Ticks at 1, 2 or 5 times a power of ten covering [lo, hi].
std::vector<double> nice_ticks(double& lo, double& hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5   ? mag
                      : raw / mag < 3.5 ? 2 * mag
                      : raw / mag < 7.5 ? 5 * mag
                                        : 10 * mag;
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  std::vector<double> t;
  for (double v = lo; v <= hi + step / 2; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return t;
}

Color mix(Color a, Color b, double t) {
  auto m = [t](std::uint8_t u, std::uint8_t v) {
    return static_cast<std::uint8_t>(std::lround(u + (v - u) * t));
  };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

}  // namespace

Color palette(std::size_t i) {
  static const Color c[] = {{31, 119, 180},  {214, 39, 40}, {44, 160, 44},   {255, 127, 14},
                            {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
  return c[i % 8];
}

void draw_line_chart(Painter& p, double x, double y, double w, double h, const LineChart& c) {
  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (const Series& s : c.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
    }
  }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  const std::vector<double> xt = nice_ticks(xmin, xmax, 8), yt = nice_ticks(ymin, ymax, 5);
  const double left = x + 70, right = x + w - 20, top = y + 40, bottom = y + h - 45;
  auto px = [&](double v) { return left + (v - xmin) / (xmax - xmin) * (right - left); };
  auto py = [&](double v) { return bottom - (v - ymin) / (ymax - ymin) * (bottom - top); };
  p.text(x + w / 2, y + 22, c.title, 16, kInk, Anchor::kMiddle);
  for (double v : yt) {
    p.line(left, py(v), right, py(v), kGrid, 1);
    p.text(left - 8, py(v) + 4, fmt(v), 11, kInk, Anchor::kEnd);
  }
  for (double v : xt) {
    p.line(px(v), top, px(v), bottom, kGrid, 1);
    p.text(px(v), bottom + 16, fmt(v), 11, kInk, Anchor::kMiddle);
  }
  p.line(left, bottom, right, bottom, kAxis, 1.2);
  p.line(left, top, left, bottom, kAxis, 1.2);
  p.text((left + right) / 2, bottom + 36, c.x_label, 12, kInk, Anchor::kMiddle);
  p.text(x + 8, top - 10, c.y_label, 12, kInk, Anchor::kStart);
  double legend_y = top + 14;
  for (const Series& s : c.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      // A line of one point is no line: its point is drawn as a marker.
      if (s.markers || s.x.size() == 1) {
        p.rect(px(s.x[i]) - 2.5, py(s.y[i]) - 2.5, 5, 5, s.color);
      } else if (i > 0) {
        p.line(px(s.x[i - 1]), py(s.y[i - 1]), px(s.x[i]), py(s.y[i]), s.color, 2);
      }
    }
    p.rect(right - 180, legend_y - 9, 14, 10, s.color);
    p.text(right - 160, legend_y, s.name, 12, kInk, Anchor::kStart);
    legend_y += 18;
  }
}

void draw_bar_chart(Painter& p, double x, double y, double w, double h, const BarChart& c) {
  p.text(x + w / 2, y + 22, c.title, 16, kInk, Anchor::kMiddle);
  if (c.bars.empty()) return;
  double vmax = 0;
  for (const Bar& b : c.bars) vmax = std::max(vmax, b.value);
  if (vmax <= 0) vmax = 1;
  const double left = x + 260, right = x + w - 110, top = y + 40;
  const double row = std::min(34.0, (h - 50) / static_cast<double>(c.bars.size()));
  for (std::size_t i = 0; i < c.bars.size(); ++i) {
    const Bar& b = c.bars[i];
    const double by = top + row * static_cast<double>(i);
    p.text(left - 8, by + row * 0.62, b.label, 12, kInk, Anchor::kEnd);
    p.rect(left, by + row * 0.15, (right - left) * b.value / vmax, row * 0.7, b.color);
    p.text(left + (right - left) * b.value / vmax + 6, by + row * 0.62, si(b.value) + " " + c.unit,
           11, kInk, Anchor::kStart);
  }
  p.line(left, top, left, top + row * static_cast<double>(c.bars.size()), kAxis, 1.2);
}

void draw_confusion(Painter& p, double x, double y, double size,
                    const std::vector<std::size_t>& counts, std::size_t k) {
  const double cell = size / static_cast<double>(k);
  std::size_t row_max = 1;
  std::vector<std::size_t> row_sum(k, 0);
  for (std::size_t t = 0; t < k; ++t) {
    for (std::size_t q = 0; q < k; ++q) row_sum[t] += counts[t * k + q];
    row_max = std::max(row_max, row_sum[t]);
  }
  for (std::size_t t = 0; t < k; ++t) {
    for (std::size_t q = 0; q < k; ++q) {
      const std::size_t n = counts[t * k + q];
      const double frac =
          row_sum[t] ? static_cast<double>(n) / static_cast<double>(row_sum[t]) : 0.0;
      const Color fill = t == q ? mix({255, 255, 255}, {31, 119, 180}, frac)
                                : mix({255, 255, 255}, {214, 39, 40}, std::min(1.0, frac * 5));
      const double cx = x + cell * static_cast<double>(q), cy = y + cell * static_cast<double>(t);
      p.rect(cx, cy, cell - 1, cell - 1, fill);
      p.text(cx + cell / 2, cy + cell / 2 + 4, std::to_string(n), std::min(12.0, cell / 3),
             frac > 0.6 ? Color{255, 255, 255} : kInk, Anchor::kMiddle);
    }
    p.text(x - 8, y + cell * (static_cast<double>(t) + 0.5) + 4, std::to_string(t), 12, kInk,
           Anchor::kEnd);
    p.text(x + cell * (static_cast<double>(t) + 0.5), y - 8, std::to_string(t), 12, kInk,
           Anchor::kMiddle);
  }
  p.text(x + size / 2, y - 26, "predicted class", 12, kInk, Anchor::kMiddle);
  p.text(x - 8, y + size + 18, "true class (rows)", 12, kInk, Anchor::kStart);
}

double draw_templates(Painter& p, double x, double y, double width, const std::vector<float>& w,
                      std::size_t rows, std::size_t cols, std::size_t classes,
                      const TemplateLayout& layout) {
  const std::size_t shown = std::min(classes, layout.shown == 0 ? classes : layout.shown);
  const std::size_t per_row = std::min<std::size_t>(shown, layout.per_row);
  const double tile = width / static_cast<double>(per_row);
  const double label = layout.label.empty() ? 4 : 18;
  const double px = (tile - 8) / static_cast<double>(std::max(rows, cols));
  for (std::size_t c = 0; c < shown; ++c) {
    float m = 1e-12f;
    for (std::size_t j = 0; j < rows * cols; ++j) m = std::max(m, std::fabs(w[j * classes + c]));
    const double tx = x + tile * static_cast<double>(c % per_row);
    const double ty = y + (tile + label) * static_cast<double>(c / per_row);
    std::vector<float> values(rows * cols);
    for (std::size_t j = 0; j < rows * cols; ++j) values[j] = w[j * classes + c] / m;
    p.diverging_raster(tx, ty, px, cols, rows, values);
    if (!layout.label.empty()) {
      p.text(tx + static_cast<double>(cols) * px / 2, ty + static_cast<double>(rows) * px + 15,
             layout.label + " " + std::to_string(c), 12, kInk, Anchor::kMiddle);
    }
  }
  const std::size_t lines = (shown + per_row - 1) / per_row;
  return (tile + label) * static_cast<double>(lines);
}

}  // namespace clmnist::apps
