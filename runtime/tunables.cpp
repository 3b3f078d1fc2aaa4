#include "tunables.hpp"

#include <algorithm>
#include <stdexcept>

namespace clmnist::runtime {
namespace {

// The name without its "L<k>." prefix, and k (0 when there is none; -1 when malformed).
std::pair<std::string, long> split_layer(const std::string& key) {
  if (key.size() < 3 || key[0] != 'L' || key.find('.') == std::string::npos) return {key, 0};
  const std::string digits = key.substr(1, key.find('.') - 1);
  if (digits.empty() || digits.size() > 4 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {key, -1};
  }
  const long layer = std::stol(digits);
  return {key.substr(key.find('.') + 1), layer == 0 ? -1 : layer};
}

}  // namespace

Tunables parse_tunables(const std::string& text) {
  Tunables out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, end - pos);
    const std::size_t eq = item.find('=');
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == 0 || value.empty() || value.size() > 9 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw std::invalid_argument("tunable '" + item +
                                  "' is not NAME=N with a whole number N (e.g. fwd_wg=128)");
    }
    out[item.substr(0, eq)] = static_cast<unsigned>(std::stoul(value));
    pos = end + 1;
  }
  return out;
}

std::string to_string(const Tunables& t) {
  std::string s;
  for (const auto& [name, value] : t) {
    s += (s.empty() ? "" : ",") + name + "=" + std::to_string(value);
  }
  return s;
}

unsigned tunable(const Tunables& t, const std::string& name, std::size_t layer,
                 unsigned fallback) {
  if (auto it = t.find("L" + std::to_string(layer + 1) + "." + name); it != t.end()) {
    return it->second;
  }
  if (auto it = t.find(name); it != t.end()) return it->second;
  return fallback;
}

void check_tunables(const Tunables& t, const char* family, const std::vector<std::string>& names,
                    std::size_t layers) {
  for (const auto& entry : t) {
    const auto [name, layer] = split_layer(entry.first);
    const bool known = std::find(names.begin(), names.end(), name) != names.end();
    if (!known || layer < 0 || static_cast<std::size_t>(layer) > layers) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      throw std::invalid_argument(
          "tunable '" + entry.first + "' is not one of the " + family +
          " implementation's (" + (list.empty() ? "it has none" : list) +
          (layers > 1 ? "; L1. to L" + std::to_string(layers) + ". prefixes name one layer" : "") +
          ")");
    }
  }
}

bool pow2_in(unsigned v, unsigned lo, unsigned hi) {
  return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

std::vector<Tunables> tunable_grid(
    const std::vector<std::pair<std::string, std::vector<unsigned>>>& axes) {
  std::vector<Tunables> out{{}};
  for (const auto& [name, values] : axes) {
    std::vector<Tunables> next;
    for (const Tunables& t : out) {
      for (unsigned v : values) {
        Tunables u = t;
        u[name] = v;
        next.push_back(u);
      }
    }
    out = next;
  }
  return out;
}

}  // namespace clmnist::runtime
