// JSON as clmnist writes and reports it: text that is not UTF-8 (a file name is bytes, a driver's
// device name is whatever the driver says) never aborts an output, and the JSON library's own
// error codes never reach a user.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace clmnist::model {

// j.dump(indent) with every byte sequence that is not UTF-8 replaced by U+FFFD.
template <typename Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// The JSON library's message without its "[json.exception.type_error.302] " prefix.
inline std::string json_error_text(const nlohmann::json::exception& e) {
  const std::string what = e.what();
  const std::size_t end = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && end != std::string::npos ? what.substr(end + 2)
                                                                            : what;
}

}  // namespace clmnist::model
