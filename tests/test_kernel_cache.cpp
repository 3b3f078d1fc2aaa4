// The persistent kernel binary cache: round trip, corrupt or stale entries never used, damaged
// ones named and replaced.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "kernel_cache.hpp"
#include "test_support.hpp"

using clmnist::runtime::KernelCache;

TEST_CASE("kernel cache stores and loads a binary by key", "[kernel_cache]") {
  const KernelCache cache(clmnist::test::temp_dir("kcache-roundtrip") + "/sub/dir");
  const std::vector<unsigned char> bin = {1, 2, 3, 250, 0, 7};
  CHECK_FALSE(cache.load("key").has_value());
  REQUIRE(cache.store("key", bin));
  const auto got = cache.load("key");
  REQUIRE(got.has_value());
  CHECK(*got == bin);
  CHECK_FALSE(cache.load("other key").has_value());
}

TEST_CASE("corrupt, truncated or stale cache entries are ignored", "[kernel_cache]") {
  const KernelCache cache(clmnist::test::temp_dir("kcache-bad"));
  const std::vector<unsigned char> bin(100, 42);
  REQUIRE(cache.store("source v1\ndriver 3.1", bin));
  const std::string path = cache.path_for("source v1\ndriver 3.1");
  const std::string good = clmnist::test::read_bytes(path);

  clmnist::test::write_bytes(path, good.substr(0, good.size() - 10));  // truncated
  CHECK_FALSE(cache.load("source v1\ndriver 3.1").has_value());
  clmnist::test::write_bytes(path, good + "x");  // trailing bytes
  CHECK_FALSE(cache.load("source v1\ndriver 3.1").has_value());
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  clmnist::test::write_bytes(path, bad_magic);
  CHECK_FALSE(cache.load("source v1\ndriver 3.1").has_value());
  clmnist::test::write_bytes(path, "");
  CHECK_FALSE(cache.load("source v1\ndriver 3.1").has_value());

  // A hash collision or an edited key (new driver, new source) finds the stored key different.
  clmnist::test::write_bytes(path, good);
  CHECK(cache.load("source v1\ndriver 3.1").has_value());
  REQUIRE(cache.store("source v1\ndriver 3.1", bin));
  CHECK_FALSE(cache.load("source v1\ndriver 3.2").has_value());
}

TEST_CASE("an empty directory disables the cache and an unwritable one fails softly",
          "[kernel_cache]") {
  const KernelCache off("");
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.store("k", {1}));
  CHECK_FALSE(off.load("k").has_value());
  const std::string dir = clmnist::test::temp_dir("kcache-file");
  clmnist::test::write_bytes(dir + "/not-a-dir", "x");
  const KernelCache blocked(dir + "/not-a-dir/cache");
  CHECK_FALSE(blocked.store("k", {1}));
}

TEST_CASE("a damaged entry is named, a FIFO refused without blocking, and store heals both",
          "[kernel_cache]") {
  const std::string dir = clmnist::test::temp_dir("kcache-heal");
  const KernelCache cache(dir);
  const std::string key = "source:k\noptions:-DVEC=4";
  const std::vector<unsigned char> bin(64, 7);
  std::string problem;
  CHECK_FALSE(cache.load(key, &problem).has_value());
  CHECK(problem.empty());  // absent: nothing to say
  REQUIRE(cache.store(key, bin));
  const std::string path = cache.path_for(key);
  const std::string good = clmnist::test::read_bytes(path);
  const std::size_t body = good.size() - 8 - bin.size();  // the binary, before the checksum

  std::string zeroed = good;
  std::fill(zeroed.begin() + static_cast<long>(body), zeroed.end() - 8, '\0');
  clmnist::test::write_bytes(path, zeroed);
  CHECK_FALSE(cache.load(key, &problem).has_value());
  CHECK(problem ==
        "kernel cache entry '" + path + "' is damaged (its checksum does not match its contents)");
  std::string flipped = good;
  flipped[body + 3] ^= 0x10;
  clmnist::test::write_bytes(path, flipped);
  problem.clear();
  CHECK_FALSE(cache.load(key, &problem).has_value());
  CHECK(problem.find("checksum") != std::string::npos);

  // Another key's binary under this one: the stored key or the checksum tells.
  REQUIRE(cache.store("source:k\noptions:-DVEC=8", std::vector<unsigned char>(64, 9)));
  std::string alien = clmnist::test::read_bytes(cache.path_for("source:k\noptions:-DVEC=8"));
  clmnist::test::write_bytes(path, good.substr(0, body) + alien.substr(alien.size() - 72));
  problem.clear();
  CHECK_FALSE(cache.load(key, &problem).has_value());
  CHECK(problem.find("checksum") != std::string::npos);

  std::filesystem::remove(path);
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  problem.clear();
  CHECK_FALSE(cache.load(key, &problem).has_value());  // returns: a blocking open would hang
  CHECK(problem == "kernel cache entry '" + path + "' is not a regular file");
  REQUIRE(cache.store(key, bin));
  CHECK(std::filesystem::is_regular_file(path));
  problem.clear();
  CHECK(cache.load(key, &problem) == bin);
  CHECK(problem.empty());

  // An entry of the old format (no checksum) is stale, not damaged: rebuilt without a word.
  std::string old = good.substr(0, good.size() - 8);
  old[8] = 1;
  clmnist::test::write_bytes(path, old);
  problem.clear();
  CHECK_FALSE(cache.load(key, &problem).has_value());
  CHECK(problem.empty());
}
