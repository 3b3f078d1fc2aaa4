// Small text helpers every folder uses: one lowercase and one trim.
#pragma once

#include <cctype>
#include <string>

namespace clmnist::runtime {

// ASCII lowercase (names, vendors, file extensions).
inline std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Without leading and trailing spaces, tabs and line ends.
inline std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace clmnist::runtime
