// The pictures clmnist draws: line charts (learning curves), horizontal bar charts (device
// comparison), the confusion matrix and the learned weights as class templates.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "painter.hpp"

namespace clmnist::apps {

struct Series {
  std::string name;
  std::vector<double> x, y;
  Color color;
  bool markers = false;  // points only (sparse series such as the best model's test error)
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
};

struct Bar {
  std::string label;
  double value = 0.0;
  Color color;
};

struct BarChart {
  std::string title, unit;
  std::vector<Bar> bars;
};

// Each draws into the rectangle (x, y, w, h) of the painter.
void draw_line_chart(Painter& p, double x, double y, double w, double h, const LineChart& c);
void draw_bar_chart(Painter& p, double x, double y, double w, double h, const BarChart& c);
// counts [k x k]: row = true class, column = predicted class.
void draw_confusion(Painter& p, double x, double y, double size,
                    const std::vector<std::size_t>& counts, std::size_t k);
// w [features x classes] (the tutorial's layout) as one image rows x cols per column (a class, or
// a hidden unit's filter): red where a pixel argues for it, blue against, white for zero. Returns
// the height used.
struct TemplateLayout {
  std::size_t shown = 0;        // columns drawn, from the first; 0: all
  std::size_t per_row = 5;      // images per line
  std::string label = "class";  // under each image, with its index; empty: none
};
double draw_templates(Painter& p, double x, double y, double width, const std::vector<float>& w,
                      std::size_t rows, std::size_t cols, std::size_t classes,
                      const TemplateLayout& layout = {});

// A palette of distinguishable colours.
Color palette(std::size_t i);

}  // namespace clmnist::apps
