// A table with one column an item (a device of a bench record) and one row a field, fitted to a
// terminal's width: the columns that do not fit continue in a block below under the same labels,
// and a cell wider than its column is broken over lines (never cut: two long device names that
// differ only at the end must still look different).
#pragma once

#include <string>
#include <vector>

namespace clmnist::apps {

struct ColumnTable {
  struct Row {
    std::string label;
    std::vector<std::string> cells;  // one per column
  };
  std::vector<std::string> header;  // one per column
  std::vector<Row> rows;
};

// The table as lines of at most `width` columns (for width >= 40), each line without trailing
// spaces.
std::string layout_columns(const ColumnTable& table, unsigned width);

// `text` as pieces of at most `width` characters, each broken after a '/', '-', ',' or space
// where the piece holds one.
std::vector<std::string> break_cell(const std::string& text, std::size_t width);

}  // namespace clmnist::apps
