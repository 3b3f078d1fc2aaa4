// Tables of one column an item, fitted to a width (column_table.hpp).
#include "column_table.hpp"

#include <algorithm>

#include "text.hpp"

namespace clmnist::apps {
namespace {

constexpr std::size_t kGap = 2;  // spaces between columns

std::string trimmed(std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

// One row of a block: as many lines as its tallest cell needs.
void print_row(const std::string& label, const std::vector<std::string>& cells,
               std::size_t label_width, const std::vector<std::size_t>& widths, std::size_t first,
               std::size_t last, std::string& out) {
  std::vector<std::vector<std::string>> pieces;
  std::size_t lines = 1;
  for (std::size_t c = first; c < last; ++c) {
    pieces.push_back(break_cell(cells[c], widths[c]));
    lines = std::max(lines, pieces.back().size());
  }
  for (std::size_t l = 0; l < lines; ++l) {
    std::string line = l == 0 ? label : "";
    line += std::string(label_width - runtime::display_width(line), ' ');
    for (std::size_t c = first; c < last; ++c) {
      const std::vector<std::string>& p = pieces[c - first];
      const std::string cell = l < p.size() ? p[l] : "";
      line += cell + std::string(widths[c] + kGap - runtime::display_width(cell), ' ');
    }
    out += trimmed(line);
  }
}

}  // namespace

std::vector<std::string> break_cell(const std::string& text, std::size_t width) {
  // Walks characters, not bytes: a UTF-8 character is never cut, and width counts columns.
  std::vector<std::string> pieces;
  width = std::max<std::size_t>(width, 1);
  std::size_t start = 0, columns = 0, after_break = std::string::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // within a character
    if (columns == width) {
      const std::size_t cut = after_break != std::string::npos ? after_break : i;
      pieces.push_back(text.substr(start, cut - start));
      while (pieces.back().size() > 1 && pieces.back().back() == ' ') pieces.back().pop_back();
      start = cut;
      columns = runtime::display_width(text.substr(cut, i - cut));
      after_break = std::string::npos;
    }
    ++columns;
    if (std::string("/-, ").find(text[i]) != std::string::npos && i + 1 < text.size()) {
      after_break = i + 1;
    }
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

std::string layout_columns(const ColumnTable& table, unsigned width) {
  std::size_t label_width = 0;
  for (const ColumnTable::Row& r : table.rows) {
    label_width = std::max(label_width, runtime::display_width(r.label));
  }
  label_width += kGap;
  // A column is as wide as its widest cell, up to what leaves room for two columns a block.
  const std::size_t room =
      width > label_width + 2 * (kGap + 8) ? width - label_width : 2 * (kGap + 8);
  const std::size_t cap = room / 2 - kGap;
  std::vector<std::size_t> widths;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    std::size_t w = runtime::display_width(table.header[c]);
    for (const ColumnTable::Row& r : table.rows) {
      w = std::max(w, runtime::display_width(r.cells[c]));
    }
    widths.push_back(std::min(w, cap));
  }
  std::string out;
  for (std::size_t first = 0; first < widths.size();) {
    std::size_t last = first, used = label_width;
    while (last < widths.size() && (last == first || used + widths[last] + kGap <= width + kGap)) {
      used += widths[last++] + kGap;
    }
    if (first > 0) out += "\n";
    print_row("", table.header, label_width, widths, first, last, out);
    for (const ColumnTable::Row& r : table.rows) {
      print_row(r.label, r.cells, label_width, widths, first, last, out);
    }
    first = last;
  }
  return out;
}

}  // namespace clmnist::apps
