// Help text layout and near-miss suggestions (see cli_help.hpp).
#include "cli_help.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <sstream>

#include "terminal.hpp"
#include "text.hpp"

namespace clmnist::apps {

unsigned text_width(const char* columns, unsigned tty_columns) {
  unsigned width = columns_setting(columns);
  if (width == 0) width = tty_columns != 0 ? tty_columns : 80;
  return std::clamp(width, 40u, 200u);
}

unsigned text_width() {
  const unsigned c = terminal_columns(STDOUT_FILENO);
  return std::clamp(c != 0 ? c : 80u, 40u, 200u);
}

std::string wrap_text(const std::string& text, unsigned width) {
  // Lines that start without a space and follow one another are one paragraph, filled anew;
  // indented lines (examples, lists) stay lines of their own.
  std::vector<std::string> lines;
  std::istringstream in(text);
  bool joinable = false;
  for (std::string line; std::getline(in, line);) {
    const bool prose = !line.empty() && line.front() != ' ';
    if (prose && joinable) {
      lines.back() += " " + line;
    } else {
      lines.push_back(line);
    }
    joinable = prose;
  }
  std::string out;
  for (const std::string& line : lines) {
    // An indented line's continuation hangs under it, two columns further in.
    const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
    out += runtime::wrap_line(line, width, indent == 0 ? 0 : indent + 2) + "\n";
  }
  if (!text.empty() && text.back() != '\n') out.pop_back();
  return out;
}

std::string help_epilogue() {
  return "Environment:\n"
         "  CLMNIST_<OPTION>: any option of the command by its name in capitals, e.g. "
         "CLMNIST_LEARNING_RATE=0.05 for --learning-rate\n"
         "  CLMNIST_CONFIG: the config file when --config is not given (empty: none)\n"
         "  CLMNIST_DEVICE: the device when --device is not given\n"
         "  CLMNIST_DATA_DIR: the MNIST directory when --data-dir is not given\n"
         "  CLMNIST_CACHE_DIR: the kernel binary cache when --kernel-cache-dir is not given\n"
         "  CLMNIST_TUNING_FILE: the tuned choices when --tuning-file is not given\n"
         "  CLMNIST_VEC, CLMNIST_ROWS, CLMNIST_SKIP_ZERO: the fused kernels' tunables, as --tune "
         "sets them\n"
         "  CLMNIST_FONT: the TrueType font of the PNG pictures\n"
         "  CLMNIST_FAULT: for tests only, a fault to inject\n"
         "  CLMNIST_TEST_PAUSE_WRITES: for tests only, MARKER[:SUFFIX], a pause before a group of "
         "files is put in place\n"
         "  COLUMNS: the width of this help (default: the terminal's, else 80)\n"
         "\n"
         "Config file format:\n"
         "  Lines 'name = value' with the long option names without --, '#' comments, and "
         "[command] lines (e.g. [train]) above the keys of that command only; a key of another "
         "command's option is left to it. Precedence: command line > CLMNIST_* environment > "
         "config file > preset and defaults.\n"
         "\n"
         "Exit status:\n"
         "  0 success; 1 error (bad data, device fault, divergence, a failed write on standard "
         "output); 2 usage error; 129, 130 or 143 when stopped by SIGHUP, SIGINT or SIGTERM "
         "(train saves its checkpoint first; files being written are finished first).\n";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  // d[i][j]: the distance between a's first i and b's first j characters.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_name(const std::string& typed, const std::vector<std::string>& known) {
  auto is_known = [&](const std::string& n) {
    return std::find(known.begin(), known.end(), n) != known.end();
  };
  // Other programs' names for clmnist's options; the first that the command has is meant.
  static const std::multimap<std::string, std::string> synonyms = {
      {"lr", "learning-rate"},
      {"rate", "learning-rate"},
      {"eta", "learning-rate"},
      {"epochs", "max-epochs"},
      {"epoch", "max-epochs"},
      {"n-epochs", "max-epochs"},
      {"steps", "max-steps"},
      {"iterations", "max-steps"},
      {"batch", "batch-size"},
      {"bs", "batch-size"},
      {"units", "hidden"},
      {"hidden-units", "hidden"},
      {"weight-decay", "l2"},
      {"wd", "l2"},
      {"data", "data-dir"},
      {"dataset", "data-dir"},
      {"output", "save-model"},
      {"model", "save-model"},
      {"json", "summary-json"},
      {"summary", "summary-json"},
      {"plots", "plot-dir"},
      {"valid-size", "validation-size"},
      {"val-size", "validation-size"},
      {"validation-split", "validation-size"},
      {"eval-every", "validation-frequency"},
      {"backend", "device"},
      {"gpu", "device"},
      {"silent", "quiet"},
      {"log", "history"},
      {"csv", "history"},
      {"jobs", "runs"}};
  const auto [from, to] = synonyms.equal_range(typed);
  for (auto it = from; it != to; ++it) {
    if (is_known(it->second)) return it->second;
  }
  std::vector<std::string> prefixed;
  for (const std::string& n : known) {
    if (typed.size() >= 2 && n.rfind(typed, 0) == 0) prefixed.push_back(n);
  }
  if (prefixed.size() == 1) return prefixed.front();
  const std::size_t allowed = std::clamp<std::size_t>(typed.size() / 3, 1, 3);
  std::string best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& n : known) {
    const std::size_t d = edit_distance(typed, n);
    if (d < best_distance) {
      best = n;
      best_distance = d;
    }
  }
  return best;
}

std::vector<std::string> long_names(const boost::program_options::options_description& options) {
  std::vector<std::string> names;
  for (const auto& o : options.options()) names.push_back(o->long_name());
  return names;
}

}  // namespace clmnist::apps
