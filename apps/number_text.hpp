// Numbers as text for records (CSV, JSON, tables): the shortest form that reads back as the same
// double, so a record loses nothing and shows no noise digits.
#pragma once

#include <string>

#include "text.hpp"

namespace clmnist::apps {

inline std::string shortest(double v) { return runtime::shortest_text(v); }

}  // namespace clmnist::apps
