// The tutorial's early stopping on scripted error sequences.
#include <catch2/catch.hpp>
#include <vector>

#include "early_stopping.hpp"

using clmnist::model::EarlyStopping;

TEST_CASE("patience grows only on a significant improvement", "[early_stopping]") {
  EarlyStopping es(5000, 2, 0.995);
  CHECK(es.record(82, 0.10));  // first validation is always a best; 82 * 2 < 5000
  CHECK(es.patience() == 5000);
  CHECK(es.record(2999, 0.09));  // significant: patience = max(5000, 5998)
  CHECK(es.patience() == 5998);
  CHECK(es.record(3999, 0.0899));  // better but not by 0.5 %: best moves, patience does not
  CHECK(es.patience() == 5998);
  CHECK(es.best() == Approx(0.0899));
  CHECK_FALSE(es.record(4999, 0.0899));  // equal is not better
  CHECK_FALSE(es.record(5100, 0.2));
  CHECK_FALSE(es.should_stop(5997));
  CHECK(es.should_stop(5998));
}

TEST_CASE("a scripted run stops at the first iteration that reaches patience", "[early_stopping]") {
  // Validate every 2000 iterations. 0.2 at 1999 (patience stays 5000 > 3998); 0.15 at 3999 is a
  // significant gain (patience 7998); 0.1495 at 5999 is a new best but under 0.5 % (patience
  // stays); the loop must then stop at iteration 7998, before the validation at 7999.
  EarlyStopping es(5000, 2, 0.995);
  const double errors[] = {0.2, 0.15, 0.1495, 0.16};
  std::vector<std::size_t> bests;
  std::size_t stopped_at = 0;
  for (std::size_t iter = 0; iter < 100000; ++iter) {
    if ((iter + 1) % 2000 == 0 && es.record(iter, errors[(iter + 1) / 2000 - 1])) {
      bests.push_back(iter);
    }
    if (es.should_stop(iter)) {
      stopped_at = iter;
      break;
    }
  }
  CHECK(bests == std::vector<std::size_t>{1999, 3999, 5999});
  CHECK(es.patience() == 7998);
  CHECK(es.best() == 0.1495);
  CHECK(stopped_at == 7998);
}
