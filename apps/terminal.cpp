// The width of the user's terminal (terminal.hpp).
#include "terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace clmnist::apps {

unsigned columns_setting(const char* columns) {
  if (columns == nullptr || *columns == '\0') return 0;
  const std::string c(columns);
  if (c.size() >= 6 || c.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<unsigned>(std::stoul(c));
}

unsigned terminal_columns(int fd) {
  if (const unsigned c = columns_setting(std::getenv("COLUMNS")); c != 0) return c;
  winsize ws{};
  return ::isatty(fd) == 1 && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

}  // namespace clmnist::apps
