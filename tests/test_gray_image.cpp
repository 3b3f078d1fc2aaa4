// Images in and out (PNG through libpng, PGM, BMP through stb_image), and the MNIST preparation
// of a user's digit.
#include <zlib.h>

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

// PNG bytes written by hand: any bit depth and colour type (without libpng's own conversions),
// with extra chunks before the image data. `rows` are the unfiltered sample bytes of each row.
std::string png_chunk(const std::string& type, const std::string& data) {
  std::string c;
  const auto n = static_cast<std::uint32_t>(data.size());
  for (int s = 24; s >= 0; s -= 8) c += static_cast<char>((n >> s) & 0xff);
  c += type + data;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(c.data() + 4), c.size() - 4);
  for (int s = 24; s >= 0; s -= 8) c += static_cast<char>((crc >> s) & 0xff);
  return c;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string make_png(std::uint32_t w, std::uint32_t h, int depth, int colour_type,
                     const std::vector<std::string>& rows, const std::string& extra_chunks) {
  std::string raw;
  for (const std::string& r : rows) raw += '\0' + r;  // filter type 0 on every row
  uLongf size = compressBound(raw.size());
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
           raw.size());
  z.resize(size);
  std::string ihdr = be32(w) + be32(h);
  ihdr += {static_cast<char>(depth), static_cast<char>(colour_type), 0, 0, 0};
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + extra_chunks +
         png_chunk("IDAT", z) + png_chunk("IEND", "");
}

}  // namespace

TEST_CASE("the same digit gives the same pixels at any bit depth, colour type or colour chunk",
          "[image]") {
  // A ramp of every 8-bit value, and the same samples as 16-bit (v * 257), gray or RGB, with or
  // without an opaque alpha channel; the gAMA, sRGB and iCCP chunks change nothing: the pixels
  // are the file's values, as MNIST's are (libpng's simplified API took 16-bit as linear light).
  const std::uint32_t w = 16, h = 16;
  std::vector<std::uint8_t> expected(w * h);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<std::uint8_t>(i);
  struct Layout {
    const char* name;
    int colour_type, channels;
  };
  const Layout layouts[] = {{"gray", 0, 1}, {"gray+alpha", 4, 2}, {"rgb", 2, 3}, {"rgba", 6, 4}};
  // An iCCP chunk: a profile name, compression method 0 and a zlib stream (a made-up profile).
  std::string profile(132, '\0');
  profile.replace(0, 4, be32(132));
  profile.replace(36, 4, "acsp");
  uLongf zn = compressBound(profile.size());
  std::string zp(zn, '\0');
  compress(reinterpret_cast<Bytef*>(zp.data()), &zn, reinterpret_cast<const Bytef*>(profile.data()),
           profile.size());
  zp.resize(zn);
  const std::string iccp = png_chunk("iCCP", std::string("made up\0\0", 9) + zp);
  const std::pair<const char*, std::string> chunk_sets[] = {
      {"no chunk", ""},
      {"gAMA 1/2.2", png_chunk("gAMA", be32(45455))},
      {"gAMA 1.0 (linear)", png_chunk("gAMA", be32(100000))},
      {"sRGB", png_chunk("sRGB", std::string(1, '\0'))},
      {"iCCP", iccp},
      {"gAMA 1.0 and cHRM",
       png_chunk("gAMA", be32(100000)) +
           png_chunk("cHRM", be32(31270) + be32(32900) + be32(64000) + be32(33000) + be32(30000) +
                                 be32(60000) + be32(15000) + be32(6000))},
  };
  const std::string dir = clmnist::test::temp_dir("images-depth");
  for (const Layout& layout : layouts) {
    for (int depth : {8, 16}) {
      for (const auto& [chunk_name, chunks] : chunk_sets) {
        std::vector<std::string> rows;
        for (std::uint32_t y = 0; y < h; ++y) {
          std::string row;
          for (std::uint32_t x = 0; x < w; ++x) {
            const unsigned v = expected[y * w + x];
            for (int c = 0; c < layout.channels; ++c) {
              const bool alpha = (layout.channels == 2 && c == 1) || c == 3;
              const unsigned sample = alpha ? 255 : v;
              if (depth == 16) row += static_cast<char>(sample);  // high byte; low = same: v*257
              row += static_cast<char>(sample);
            }
          }
          rows.push_back(row);
        }
        INFO(layout.name << ", " << depth << "-bit, " << chunk_name);
        const std::string p = dir + "/img.png";
        clmnist::test::write_bytes(p, make_png(w, h, depth, layout.colour_type, rows, chunks));
        const GrayImage g = read_image(p);
        CHECK(g.width == w);
        CHECK(g.height == h);
        CHECK(g.pixels == expected);
      }
    }
  }
}

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

namespace {

std::string le32(std::uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}

// A 24-bit BMP written by hand: the headers, then rows bottom-up, each padded to 4 bytes.
std::string make_bmp(const GrayImage& g, std::uint32_t claimed_width = 0) {
  const std::size_t stride = (g.width * 3 + 3) / 4 * 4;
  const std::uint32_t data = static_cast<std::uint32_t>(stride * g.height);
  std::string b = "BM" + le32(54 + data) + le32(0) + le32(54);
  b += le32(40) + le32(claimed_width != 0 ? claimed_width : static_cast<std::uint32_t>(g.width)) +
       le32(static_cast<std::uint32_t>(g.height)) + std::string("\x01\0\x18\0", 4) + le32(0) +
       le32(data) + le32(2835) + le32(2835) + le32(0) + le32(0);
  for (std::size_t y = g.height; y-- > 0;) {
    std::string row;
    for (std::size_t x = 0; x < g.width; ++x)
      row.append(3, static_cast<char>(g.pixels[y * g.width + x]));
    row.resize(stride, '\0');
    b += row;
  }
  return b;
}

}  // namespace

TEST_CASE("BMP and the other stb_image formats read back what was written", "[image]") {
  const std::string dir = clmnist::test::temp_dir("images-bmp");
  const GrayImage g = bar_on_light();
  clmnist::test::write_bytes(dir + "/g.bmp", make_bmp(g));
  const GrayImage back = read_image(dir + "/g.bmp");
  CHECK(back.width == 100);
  CHECK(back.height == 80);
  CHECK(back.pixels == g.pixels);
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
      {"cut bmp", make_bmp(bar_on_light()).substr(0, 200)},
      {"huge bmp", make_bmp(bar_on_light(), 100000)},
      {"cut jpeg", std::string("\xff\xd8\xff\xe0\0\x10JFIF\0", 11)},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    const std::string p = dir + "/" + std::to_string(&name - &cases[0].first);
    clmnist::test::write_bytes(p, bytes);
    CHECK_THROWS_WITH(read_image(p), Catch::Contains(p));
  }
}
