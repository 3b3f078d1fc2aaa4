// Fitting a line to a width (text.hpp).
#include "text.hpp"

#include <algorithm>

namespace clmnist::runtime {
namespace {

// The space where `line` is best broken to fit `width` columns: the last one whose text before
// it fits, past the line's indent; else the first one past the indent (the first word is too
// long). npos: no space to break at.
std::size_t break_at(const std::string& line, std::size_t width) {
  const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
  std::size_t cut = std::string::npos, columns = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ' && i > indent) {
      if (columns > width) return cut != std::string::npos ? cut : i;
      cut = i;
    }
    columns += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
  }
  return cut;
}

}  // namespace

std::string wrap_line(std::string line, std::size_t width, std::size_t hang) {
  std::string out;
  while (display_width(line) > width) {
    const std::size_t cut = break_at(line, width);
    if (cut == std::string::npos) break;  // one word longer than the line: left whole
    out += line.substr(0, line.find_last_not_of(' ', cut) + 1) + "\n";
    const std::size_t next = line.find_first_not_of(' ', cut);
    line = std::string(hang, ' ') + (next == std::string::npos ? "" : line.substr(next));
  }
  return out + line;
}

std::size_t widest_line(const std::string& text) {
  std::size_t widest = 0, start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    widest = std::max(widest, display_width(text.substr(start, end - start)));
    start = end + 1;
  }
  return widest;
}

}  // namespace clmnist::runtime
