// Images in and out (PNG through libpng, PGM), and the MNIST preparation of a user's digit.
#include <catch2/catch.hpp>
#include <cmath>

#include "errors.hpp"
#include "gray_image.hpp"
#include "test_support.hpp"

using namespace clmnist::model;
using clmnist::DataError;

namespace {

// A dark 6 x 30 bar (a "1") on a light 100 x 80 canvas, off centre.
GrayImage bar_on_light() {
  GrayImage g;
  g.width = 100;
  g.height = 80;
  g.pixels.assign(100 * 80, 230);
  for (std::size_t y = 10; y < 40; ++y) {
    for (std::size_t x = 70; x < 76; ++x) g.pixels[y * 100 + x] = 20;
  }
  return g;
}

}  // namespace

TEST_CASE("a digit is inverted, scaled to 20 pixels and centred by mass", "[image]") {
  const GrayImage d = prepare_digit(bar_on_light());
  REQUIRE(d.width == 28);
  REQUIRE(d.height == 28);
  std::size_t x0 = 28, x1 = 0, y0 = 28, y1 = 0;
  double mx = 0, my = 0, mass = 0;
  for (std::size_t y = 0; y < 28; ++y) {
    for (std::size_t x = 0; x < 28; ++x) {
      const double v = d.pixels[y * 28 + x];
      if (v > 0)
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      mx += v * (x + 0.5), my += v * (y + 0.5), mass += v;
    }
  }
  CHECK(y1 - y0 + 1 == 20);  // the longer side is 20 pixels
  CHECK(x1 - x0 + 1 == 4);   // 6 x 30 keeps its aspect: 4 x 20
  CHECK(std::fabs(mx / mass - 14.0) <= 0.5);
  CHECK(std::fabs(my / mass - 14.0) <= 0.5);
  CHECK(d.pixels[14 * 28 + 14] == 255);  // light ink on dark, as MNIST
  CHECK(d.pixels[0] == 0);
  // The same digit already light on dark gives the same result.
  GrayImage inverse = bar_on_light();
  for (auto& p : inverse.pixels) p = static_cast<std::uint8_t>(255 - p);
  CHECK(prepare_digit(inverse).pixels == d.pixels);
}

TEST_CASE("an image without ink is not a digit", "[image]") {
  GrayImage blank;
  blank.width = blank.height = 10;
  blank.pixels.assign(100, 200);
  CHECK_THROWS_WITH(prepare_digit(blank), Catch::Contains("no digit"));
}

TEST_CASE("PNG and PGM images read back what was written", "[image]") {
  const std::string dir = clmnist::test::temp_dir("images");
  const GrayImage g = bar_on_light();
  write_png(dir + "/g.png", g);
  const GrayImage back = read_image(dir + "/g.png");
  CHECK(back.width == 100);
  CHECK(back.height == 80);
  CHECK(back.pixels == g.pixels);
  std::vector<std::uint8_t> rgb;
  for (auto p : g.pixels) rgb.insert(rgb.end(), {p, p, p});
  write_png_rgb(dir + "/c.png", 100, 80, rgb);
  CHECK(read_image(dir + "/c.png").pixels == g.pixels);  // gray stays gray through colour
  std::string pgm = "P5\n# comment\n100 80\n255\n";
  pgm.append(g.pixels.begin(), g.pixels.end());
  clmnist::test::write_bytes(dir + "/g.pgm", pgm);
  CHECK(read_image(dir + "/g.pgm").pixels == g.pixels);
  clmnist::test::write_bytes(dir + "/a.pgm", "P2\n2 1\n15\n0 15\n");
  CHECK(read_image(dir + "/a.pgm").pixels == std::vector<std::uint8_t>{0, 255});
}

TEST_CASE("bad images give an error naming the file", "[image]") {
  const std::string dir = clmnist::test::temp_dir("images-bad");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", ""},
      {"text", "hello"},
      {"cut png", std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16)},
      {"huge pgm", "P5\n100000 100000\n255\n"},
      {"short pgm", "P5\n4 4\n255\nab"},
      {"pgm sample over max", "P2\n1 1\n10\n11\n"},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    const std::string p = dir + "/" + std::to_string(&name - &cases[0].first);
    clmnist::test::write_bytes(p, bytes);
    CHECK_THROWS_WITH(read_image(p), Catch::Contains(p));
  }
}
