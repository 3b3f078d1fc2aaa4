// What every command's --help ends with, wrapped to the terminal, and the "did you mean" of a
// name that is not an option or a command.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace clmnist::apps {

// The width every command's text is fitted to (--help, tables, long lines): $COLUMNS when set,
// else the terminal's when standard output is one, else 80 (a pipe or a file: the width is not
// known); kept within 40 to 200.
unsigned text_width();
// The same from its inputs: `columns` is $COLUMNS (nullptr: unset), `tty_columns` the terminal's
// (0: not a terminal).
unsigned text_width(const char* columns, unsigned tty_columns);

// `text` filled to `width`: consecutive lines that start without a space are one paragraph;
// indented lines stay lines, broken at spaces where too long, continued two columns further in.
std::string wrap_text(const std::string& text, unsigned width);

// The sections after the options in every --help: the environment variables clmnist reads, the
// config file format and the exit codes.
std::string help_epilogue();

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours each cost 1.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The name among `known` that `typed` most likely meant: a known synonym (lr: learning-rate), the
// one name it begins, else the nearest within a small edit distance. "" when none is close.
std::string closest_name(const std::string& typed, const std::vector<std::string>& known);

// The long names of every option of `options`.
std::vector<std::string> long_names(const boost::program_options::options_description& options);

}  // namespace clmnist::apps
