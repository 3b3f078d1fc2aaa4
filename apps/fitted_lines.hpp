// Text fitted to the terminal a line at a time, for output printed in pieces (bench's progress
// lines, table and details): each line broken at spaces, continued two columns further in.
#pragma once

#include <cstddef>
#include <ostream>
#include <streambuf>
#include <string>

namespace clmnist::apps {

// `line` fitted to `width` columns: broken at spaces, each continuation indented two columns
// more than the line itself.
std::string fit_line(const std::string& line, std::size_t width);

// Passes whole lines to `out`, each fitted by fit_line; a flush passes on (a line not ended yet
// waits for its end).
class FittedLines : public std::streambuf {
 public:
  FittedLines(std::ostream& out, std::size_t width) : out_(out), width_(width) {}
  ~FittedLines() override;
  FittedLines(const FittedLines&) = delete;
  FittedLines& operator=(const FittedLines&) = delete;

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  std::ostream& out_;
  std::size_t width_;
  std::string pending_;  // the line so far
};

}  // namespace clmnist::apps
