// The persistent kernel binary cache: round trip, and corrupt or stale entries never used.
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
