// IDX files good and bad, written by the test itself.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>

#include "errors.hpp"
#include "idx.hpp"
#include "mnist.hpp"
#include "test_support.hpp"
#include "trainer.hpp"

using clmnist::DataError;
using namespace clmnist::model;
using clmnist::test::temp_dir;
using clmnist::test::write_bytes;
using clmnist::test::write_idx;

TEST_CASE("good IDX files read raw and gzipped", "[idx]") {
  const std::string dir = temp_dir("idx-good");
  const auto pixels = clmnist::test::random_bytes(3 * 4 * 5, 7);
  for (bool gz : {false, true}) {
    const std::string p = dir + (gz ? "/a.gz" : "/a");
    write_idx(p, {3, 4, 5}, pixels, gz);
    const IdxArray a = read_idx(p, 3);
    CHECK(a.dims == std::vector<std::uint32_t>{3, 4, 5});
    CHECK(a.data == pixels);
  }
}

TEST_CASE("bad IDX files give an error naming the file and the problem", "[idx]") {
  const std::string dir = temp_dir("idx-bad");
  const std::string p = dir + "/bad-images";
  const std::vector<std::uint8_t> ok(2 * 2 * 2, 1);
  struct Case {
    const char* what;
    std::function<void()> make;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"wrong magic", [&] { write_bytes(p, std::string("\x01\x02\x08\x03", 4)); }, "magic"},
      {"wrong type", [&] { write_bytes(p, std::string("\0\0\x0d\x03", 4)); }, "data type"},
      {"wrong ndims",
       [&] {
         write_idx(p, {2, 4}, std::vector<std::uint8_t>(8));
       },
       "dimensions"},
      {"zero dim",
       [&] {
         write_idx(p, {0, 2, 2}, {});
       },
       "is zero"},
      {"huge dims",
       [&] {
         write_idx(p, {0xffffffff, 0xffffffff, 0xffffffff}, {});
       },
       "GiB"},
      {"size beyond file",
       [&] {
         write_idx(p, {1000, 28, 28}, ok);
       },
       "truncated"},
      {"trailing bytes",
       [&] {
         write_idx(p, {1, 2, 2}, ok);
       },
       "trailing"},
      {"header cut short", [&] { write_bytes(p, std::string("\0\0\x08\x03\0\0", 6)); }, "header"},
      {"empty file", [&] { write_bytes(p, ""); }, "empty"},
      {"directory",
       [&] {
         std::filesystem::remove(p);
         std::filesystem::create_directory(p);
       },
       "directory"},
      {"corrupt gzip",
       [&] {
         std::filesystem::remove_all(p);
         write_idx(p, {2, 2, 2}, ok, true);
         std::string b = clmnist::test::read_bytes(p);
         for (std::size_t i = 12; i < b.size() - 8; ++i) b[i] = static_cast<char>(b[i] ^ 0x5a);
         write_bytes(p, b);
       },
       "gzip"},
      {"truncated gzip",
       [&] {
         write_idx(p, {200, 28, 28}, clmnist::test::random_bytes(200 * 784, 3), true);
         std::string b = clmnist::test::read_bytes(p);
         write_bytes(p, b.substr(0, b.size() / 2));
       },
       "gzip"},
      {"double-compressed",
       [&] {
         write_idx(p, {2, 2, 2}, ok, true);
         const std::string inner = clmnist::test::read_bytes(p);
         write_bytes(p, inner);
         // gzip the gzip: the reader sees 1f 8b inside
         gzFile f = gzopen(p.c_str(), "wb");
         gzwrite(f, inner.data(), static_cast<unsigned>(inner.size()));
         gzclose(f);
       },
       "compressed"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::filesystem::remove_all(p);
    c.make();
    try {
      read_idx(p, 3);
      FAIL("expected DataError");
    } catch (const DataError& e) {
      const std::string msg = e.what();
      CHECK(msg.find(p) != std::string::npos);
      CHECK(msg.find(c.message) != std::string::npos);
    }
  }
}

TEST_CASE("image and label files must agree and labels must be below the class count", "[idx]") {
  const std::string dir = temp_dir("idx-pair");
  write_idx(dir + "/img", {3, 2, 2}, std::vector<std::uint8_t>(12, 5));
  write_idx(dir + "/lab", {4}, {0, 1, 2, 1});
  CHECK_THROWS_WITH(load_labeled_images(dir + "/img", dir + "/lab"),
                    Catch::Contains("3 images") && Catch::Contains("4 labels"));
  write_idx(dir + "/lab", {3}, {0, 1, 1});
  const LabeledImages train = load_labeled_images(dir + "/img", dir + "/lab");
  CHECK(train.count == 3);
  CHECK(train.features() == 4);
  LabeledImages other = train;
  other.labels = {0, 2, 1};
  CHECK(count_classes(train, {}) == 2);
  CHECK_THROWS_WITH(count_classes(train, {&other}), Catch::Contains("label 2"));
}

TEST_CASE("labels are digits: a training label never widens the model, others name file and row",
          "[idx]") {
  const std::string dir = temp_dir("idx-labels");
  write_idx(dir + "/img", {6, 2, 2}, std::vector<std::uint8_t>(24, 5));
  // A label of 10 or more is no MNIST digit: refused with the file and row, in any label file.
  write_idx(dir + "/lab", {6}, {0, 1, 2, 200, 1, 0});
  CHECK_THROWS_WITH(load_labeled_images(dir + "/img", dir + "/lab"),
                    Catch::Contains(dir + "/lab") && Catch::Contains("row 3") &&
                        Catch::Contains("label 200") && Catch::Contains("0 to 9"));
  // Validation rows are rows of the training file: a label above every training label is named
  // with that file and its row there (row 5), not the row within the validation slice.
  write_idx(dir + "/lab", {6}, {0, 1, 1, 0, 1, 4});
  const LabeledImages file = load_labeled_images(dir + "/img", dir + "/lab");
  TrainConfig cfg;
  cfg.valid_size = 2;
  write_idx(dir + "/timg", {2, 2, 2}, std::vector<std::uint8_t>(8, 5));
  write_idx(dir + "/tlab", {2}, {1, 0});
  CHECK_THROWS_WITH(
      split_for_training(file, load_labeled_images(dir + "/timg", dir + "/tlab"), cfg),
      Catch::Contains(dir + "/lab") && Catch::Contains("row 5") && Catch::Contains("label 4") &&
          Catch::Contains("classes 0 to 1"));
  // The same for the test file.
  write_idx(dir + "/lab", {6}, {0, 1, 1, 0, 1, 0});
  write_idx(dir + "/tlab", {2}, {1, 3});
  CHECK_THROWS_WITH(
      split_for_training(load_labeled_images(dir + "/img", dir + "/lab"),
                         load_labeled_images(dir + "/timg", dir + "/tlab"), cfg),
      Catch::Contains(dir + "/tlab") && Catch::Contains("row 1") && Catch::Contains("label 3"));
}

TEST_CASE("a missing dataset says how to fetch it", "[idx]") {
  const std::string dir = temp_dir("idx-missing");
  CHECK_THROWS_WITH(find_mnist_files(dir), Catch::Contains("clmnist fetch"));
}

TEST_CASE("the training file splits into train and validation rows either way round", "[idx]") {
  const std::string dir = temp_dir("idx-split");
  std::vector<std::uint8_t> pixels(6 * 2 * 2);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i);
  write_idx(dir + "/img", {6, 2, 2}, pixels);
  const std::vector<std::uint8_t> labels = {0, 1, 2, 0, 1, 2};
  write_idx(dir + "/lab", {6}, labels);
  write_idx(dir + "/timg", {1, 2, 2}, {9, 9, 9, 9});
  write_idx(dir + "/tlab", {1}, {1});
  const auto rows = [&](std::size_t begin, std::size_t end) {
    return std::vector<std::uint8_t>(pixels.begin() + 4 * begin, pixels.begin() + 4 * end);
  };
  for (bool valid_first : {false, true}) {
    TrainConfig cfg;
    cfg.valid_size = 2;
    cfg.valid_first = valid_first;
    const TrainData d = split_for_training(load_labeled_images(dir + "/img", dir + "/lab"),
                                           load_labeled_images(dir + "/timg", dir + "/tlab"), cfg);
    const std::size_t t0 = valid_first ? 2 : 0, v0 = valid_first ? 0 : 4;
    CHECK(d.train.count == 4);
    CHECK(d.train.images == rows(t0, t0 + 4));
    CHECK(d.train.labels == std::vector<std::uint8_t>(labels.begin() + t0, labels.begin() + t0 + 4));
    CHECK(d.train.first_row == t0);
    CHECK(d.valid.count == 2);
    CHECK(d.valid.images == rows(v0, v0 + 2));
    CHECK(d.valid.labels == std::vector<std::uint8_t>(labels.begin() + v0, labels.begin() + v0 + 2));
    CHECK(d.valid.first_row == v0);
    CHECK(d.classes == 3);
  }
  LabeledImages set = load_labeled_images(dir + "/img", dir + "/lab");
  CHECK_THROWS_WITH(set.keep_rows(2, 7), Catch::Contains("rows 2..7 of a set of 6"));
  CHECK(set.count == 6);
}
