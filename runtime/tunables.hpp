// Tunables (backend.hpp): parsing "fwd_wg=128,L2.upd_cols=64", printing, lookup per layer and the
// check that a family knows every name it is given.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "backend.hpp"

namespace clmnist::runtime {

// "name=value,name=value" (whitespace-free, values whole numbers); throws std::invalid_argument
// naming the bad entry.
Tunables parse_tunables(const std::string& text);
// The inverse of parse_tunables, in name order ("" when empty).
std::string to_string(const Tunables& t);

// The value for `layer` (0-based): "L<layer+1>.name", else "name", else `fallback`.
unsigned tunable(const Tunables& t, const std::string& name, std::size_t layer, unsigned fallback);

// Throws std::invalid_argument unless every entry is one of `names` for a layer in [1, layers].
void check_tunables(const Tunables& t, const char* family, const std::vector<std::string>& names,
                    std::size_t layers);

// Every combination of the given values of each name, in order (the last name varies fastest).
std::vector<Tunables> tunable_grid(
    const std::vector<std::pair<std::string, std::vector<unsigned>>>& axes);

// Whether v is a power of two in [lo, hi].
bool pow2_in(unsigned v, unsigned lo, unsigned hi);

}  // namespace clmnist::runtime
