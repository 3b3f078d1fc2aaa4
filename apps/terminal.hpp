// The width of the user's terminal, one rule for every command's output: $COLUMNS when it is a
// whole number (the user's own setting wins), else the width of the terminal on `fd`, else 0.
#pragma once

namespace clmnist::apps {

// $COLUMNS as given (nullptr: unset): its value when whole digits (1 to 5 of them), else 0.
unsigned columns_setting(const char* columns);
// columns_setting($COLUMNS), else the terminal's width when fd is a terminal, else 0.
unsigned terminal_columns(int fd);

}  // namespace clmnist::apps
