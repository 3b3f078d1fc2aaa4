// draw_both: one drawing, two files.
#pragma once

#include "gray_image.hpp"

namespace clmnist::apps {

template <class F>
void draw_both(OutputFiles& out, const std::string& base, int width, int height, F&& draw) {
  SvgPainter svg(width, height);
  draw(static_cast<Painter&>(svg));
  out.emplace_back(base + ".svg", svg.finish());
  PngPainter png(width, height);
  draw(static_cast<Painter&>(png));
  out.emplace_back(base + ".png", png.encode());
}

}  // namespace clmnist::apps
