// The training order's shuffle: a permutation, fixed by seed and epoch, independent of the C++
// standard library.
#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>

#include "trainer.hpp"

using namespace clmnist;

TEST_CASE("the shuffled order is a permutation fixed by the seed", "[train]") {
  const auto a = model::shuffled_order(1000, 42, 1);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::uint32_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0u);
  CHECK(sorted == iota);
  CHECK(a == model::shuffled_order(1000, 42, 1));
  CHECK(a != model::shuffled_order(1000, 42, 2));
  CHECK(a != model::shuffled_order(1000, 43, 1));
  CHECK(a != iota);
}
