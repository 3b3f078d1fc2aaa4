// write_both: one drawing, two files.
#pragma once

#include "safetensors.hpp"

namespace clmnist::apps {

template <class F>
void write_both(const std::string& base, int width, int height, F&& draw) {
  SvgPainter svg(width, height);
  draw(static_cast<Painter&>(svg));
  model::write_file_atomic(base + ".svg", svg.finish());
  PngPainter png(width, height);
  draw(static_cast<Painter&>(png));
  png.save(base + ".png");
}

}  // namespace clmnist::apps
