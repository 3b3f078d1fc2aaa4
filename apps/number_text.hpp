// Numbers as text for records (CSV, JSON, tables): the shortest form that reads back as the same
// double, so a record loses nothing and shows no noise digits.
#pragma once

#include <charconv>
#include <string>

namespace clmnist::apps {

inline std::string shortest(double v) {
  char text[64];
  const std::to_chars_result end = std::to_chars(text, text + sizeof text, v);
  return std::string(text, end.ptr);
}

}  // namespace clmnist::apps
