// Small text helpers every folder uses: one lowercase, one trim, one number format.
#pragma once

#include <cctype>
#include <charconv>
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

}  // namespace clmnist::runtime
