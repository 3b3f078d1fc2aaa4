// JSON from files anyone may have written (model metadata, checkpoints, tuning files, bench
// records): parsed with a nesting limit, so that a crafted file cannot overflow the stack of the
// JSON library's recursive code (dump, comparisons) or cost memory out of proportion to its size.
// Internal to clmnist (not installed).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "shown_text.hpp"

namespace clmnist::runtime {

// Nothing clmnist writes nests deeper than 8 levels; 64 leaves room and costs nothing.
constexpr int kMaxJsonDepth = 64;

// nlohmann::json::parse(text) that throws a nlohmann::json::exception (as for a syntax error, so
// that callers handle one kind) when arrays and objects nest deeper than kMaxJsonDepth.
template <typename Json = nlohmann::json>
Json parse_json_bounded(const std::string& text) {
  const typename Json::parser_callback_t limit = [](int depth, typename Json::parse_event_t event,
                                                    Json&) {
    if (depth >= kMaxJsonDepth && (event == Json::parse_event_t::object_start ||
                                   event == Json::parse_event_t::array_start)) {
      throw nlohmann::detail::out_of_range::create(
          406, "arrays and objects nest deeper than " + std::to_string(kMaxJsonDepth) + " levels",
          nullptr);
    }
    return true;
  };
  return Json::parse(text, limit);
}

// A JSON value as a short text for messages: at most its first 40 bytes, cut and escaped as
// shown_text does (never a crafted file's value whole, nor a byte that acts on a terminal).
template <typename Json>
std::string shown_json(const Json& v) {
  return shown_text(v.dump(-1, ' ', false, Json::error_handler_t::replace), 40);
}

}  // namespace clmnist::runtime
