// `clmnist bench`: placeholder until the benchmark lands (issue 3).
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"

namespace clmnist::apps {

int run_bench(int, char**) { throw UsageError("bench is not available yet"); }

}  // namespace clmnist::apps
