// Small text helpers every folder uses: one lowercase, one trim, one number format, and the one
// rule that fits a line to a width (text.cpp).
#pragma once

#include <cctype>
#include <charconv>
#include <cstddef>
#include <string>

namespace clmnist::runtime {

// ASCII lowercase (names, vendors, file extensions).
inline std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The shortest text that reads back as the same double: "0.05", not "0.050000000000000003".
inline std::string shortest_text(double v) {
  char text[64];
  const std::to_chars_result end = std::to_chars(text, text + sizeof text, v);
  return std::string(text, end.ptr);
}

// Without leading and trailing spaces, tabs and line ends.
inline std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The columns UTF-8 text takes on a terminal: one a character (code point), not one a byte.
inline std::size_t display_width(const std::string& s) {
  std::size_t columns = 0;
  for (const char c : s) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return columns;
}

// `line` broken at spaces into lines of at most `width` columns (a word longer than that stays
// whole), each continuation indented by `hang` spaces; joined by '\n', with none at the end.
std::string wrap_line(std::string line, std::size_t width, std::size_t hang);

// The display width of the widest line of `text`.
std::size_t widest_line(const std::string& text);

}  // namespace clmnist::runtime
