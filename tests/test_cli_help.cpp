// The help layout, the "did you mean" of unknown names and the progress line's text.
#include <catch2/catch.hpp>
#include <sstream>

#include "cli_help.hpp"
#include "progress.hpp"
#include "text.hpp"

using namespace clmnist::apps;

TEST_CASE("edit distance counts edits and swaps", "[cli]") {
  CHECK(edit_distance("max-epoch", "max-epochs") == 1);
  CHECK(edit_distance("learnign-rate", "learning-rate") == 1);  // a swap
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("seed", "seed") == 0);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("an unknown name suggests the one most likely meant", "[cli]") {
  const std::vector<std::string> train = {"learning-rate", "max-epochs", "max-steps",
                                          "batch-size",    "l1",         "l2",
                                          "seed",          "save-model", "summary-json"};
  CHECK(closest_name("lr", train) == "learning-rate");
  CHECK(closest_name("epochs", train) == "max-epochs");
  CHECK(closest_name("max-epoch", train) == "max-epochs");
  CHECK(closest_name("learn", train) == "learning-rate");  // what prefix guessing would take
  CHECK(closest_name("batch_size", train) == "batch-size");
  CHECK(closest_name("json", train) == "summary-json");
  CHECK(closest_name("max", train).empty());  // two begin with it: no guess
  CHECK(closest_name("frobnicate", train).empty());
  // A synonym only names an option the command has.
  CHECK(closest_name("lr", {"model", "device"}).empty());
  CHECK(closest_name("trian", {"devices", "train", "tune"}) == "train");
}

TEST_CASE("help wraps to $COLUMNS, the terminal or 80, within bounds", "[cli]") {
  CHECK(text_width(nullptr, 0) == 80);
  CHECK(text_width(nullptr, 132) == 132);
  CHECK(text_width("100", 132) == 100);
  CHECK(text_width("10", 0) == 40);
  CHECK(text_width("100000", 0) == 80);  // not a width: ignored
  CHECK(text_width("x", 0) == 80);
  CHECK(text_width("999", 0) == 200);
  const std::string text = "  " + std::string(30, 'a') + " " + std::string(30, 'b') + " c d e\n";
  std::istringstream lines(wrap_text(text, 40));
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    CHECK(line.size() <= 40);
    CHECK(line.rfind("  ", 0) == 0);  // the indentation is kept
  }
  CHECK(count == 2);
  // A paragraph broken at other widths is filled anew; indented lines are kept apart.
  CHECK(wrap_text("one two\nthree four\n\n  a\n  b\n", 40) == "one two three four\n\n  a\n  b\n");
  CHECK(wrap_text("one two three", 8) == "one two\nthree");
  // A word longer than the line after an indented line's first break (a long path) is left
  // whole on its continuation: it once made the same line again for ever.
  const std::string path(60, 'p');
  CHECK(wrap_text("  record 2: " + path + "\n", 40) == "  record 2:\n    " + path + "\n");
}

TEST_CASE("a line is wrapped at spaces by characters (not bytes) with a hanging indent", "[cli]") {
  using clmnist::runtime::display_width;
  using clmnist::runtime::wrap_line;
  CHECK(display_width("caf\xc3\xa9 \xe2\x80\x94 x") == 8);  // "café — x"
  // Ten two-byte characters a word: 10 columns, 20 bytes.
  std::string word;
  for (int i = 0; i < 10; ++i) word += "\xc3\xa9";
  CHECK(wrap_line(word + " " + word, 21, 2) == word + " " + word);
  CHECK(wrap_line(word + " " + word + " " + word, 21, 2) == word + " " + word + "\n  " + word);
  CHECK(wrap_line("one two three", 8, 4) == "one two\n    three");
  CHECK(wrap_line(std::string(30, 'x') + " y", 10, 2) == std::string(30, 'x') + "\n  y");
  CHECK(wrap_line("short", 80, 2) == "short");
  CHECK(clmnist::runtime::widest_line("ab\n\xc3\xa9\xc3\xa9\xc3\xa9\nc") == 3);
}

TEST_CASE("the progress line fits the terminal and never calls a guess a bound", "[cli]") {
  ProgressFigures f;
  f.epoch = 12;
  f.minibatch = 40;
  f.minibatches = 83;
  f.loss = 0.31234;
  f.validation_error = 0.075;
  f.samples_per_second = 123456;
  f.seconds_left = 65;
  f.seconds_elapsed = 12;
  f.left_is_lower_bound = true;
  const std::string wide = progress_text(f, 200);
  CHECK(wide.find("at least 1 min 05 s left") != std::string::npos);
  CHECK(wide.find("minibatch 40/83 [####......]") != std::string::npos);
  CHECK(wide.find("12 s elapsed") != std::string::npos);
  CHECK(wide.find("at most") == std::string::npos);
  CHECK(wide.find("7.5000 %") != std::string::npos);
  for (unsigned width : {200u, 120u, 80u, 60u, 40u, 20u, 5u}) {
    INFO(width);
    CHECK(progress_text(f, width).size() <= width - 1);
  }
  // A common terminal: the bar, the times and the validation error, shorter; the rate goes first.
  const std::string common = progress_text(f, 80);
  CHECK(common.find("[####......]") != std::string::npos);
  CHECK(common.find("12s, >= 1m05s left") != std::string::npos);
  CHECK(common.find("valid 7.50 %") != std::string::npos);
  f.samples_per_second = 3112;
  CHECK(progress_text(f, 100).find("3112 samples/s") != std::string::npos);
  CHECK(progress_bar(0, 83) == "[..........]");
  CHECK(progress_bar(83, 83) == "[##########]");
  f.left_is_lower_bound = false;  // only max epochs or steps end the run
  CHECK(progress_text(f, 200).find("about 1 min 05 s left") != std::string::npos);
  CHECK(duration_text(42) == "42 s");
  CHECK(duration_text(7620) == "2 h 07 min");
  CHECK(duration_text(7620, true) == "2h07m");
}
