// Text fitted to the terminal a line at a time (fitted_lines.hpp).
#include "fitted_lines.hpp"

#include <algorithm>

#include "text.hpp"

namespace clmnist::apps {

std::string fit_line(const std::string& line, std::size_t width) {
  const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
  return runtime::wrap_line(line, width, indent + 2);
}

FittedLines::~FittedLines() {
  try {  // the end of a last line without its newline
    if (!pending_.empty()) out_ << fit_line(pending_, width_);
    out_.flush();
  } catch (...) {  // a destructor never throws; the stream's state says it failed
  }
}

FittedLines::int_type FittedLines::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  if (traits_type::to_char_type(c) != '\n') {
    pending_ += traits_type::to_char_type(c);
    return c;
  }
  out_ << fit_line(pending_, width_) << '\n';
  pending_.clear();
  return out_ ? c : traits_type::eof();
}

int FittedLines::sync() {
  out_.flush();
  return out_ ? 0 : -1;
}

}  // namespace clmnist::apps
