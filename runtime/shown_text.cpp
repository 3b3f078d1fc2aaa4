// Untrusted text made safe to show (see shown_text.hpp).
#include "shown_text.hpp"

#include <iostream>
#include <mutex>
#include <set>

namespace clmnist::runtime {
namespace {

bool continuation(std::string_view s, std::size_t i, unsigned char lo = 0x80,
                  unsigned char hi = 0xbf) {
  if (i >= s.size()) return false;
  const auto c = static_cast<unsigned char>(s[i]);
  return c >= lo && c <= hi;
}

// The length of the valid UTF-8 character at s[i] (1 to 4), or 0 where s[i] starts none:
// overlong forms, surrogates and code points above U+10FFFF are not valid (RFC 3629).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return continuation(s, i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    return continuation(s, i + 1, lo, hi) && continuation(s, i + 2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    return continuation(s, i + 1, lo, hi) && continuation(s, i + 2) && continuation(s, i + 3) ? 4
                                                                                              : 0;
  }
  return 0;
}

void append_escaped(std::string& out, unsigned char c) {
  static const char kHex[] = "0123456789abcdef";
  if (c == '\n') {
    out += "\\n";
  } else if (c == '\r') {
    out += "\\r";
  } else if (c == '\t') {
    out += "\\t";
  } else {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
}

// shown_text and shown_lines: `keep_lines` lets '\n' and '\t' through.
std::string shown(std::string_view s, std::size_t max_bytes, bool keep_lines) {
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes + 3);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_length(s, i);
    const std::size_t unit = n == 0 ? 1 : n;  // a byte that starts no character is one unit
    const auto c = static_cast<unsigned char>(s[i]);
    const bool c0 = n == 1 && (c < 0x20 || c == 0x7f) && !(keep_lines && (c == '\n' || c == '\t'));
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
    std::string piece;
    if (n == 0 || c0 || c1) {
      for (std::size_t k = 0; k < unit; ++k)
        append_escaped(piece, static_cast<unsigned char>(s[i + k]));
    } else {
      piece = s.substr(i, unit);
    }
    if (out.size() + piece.size() > max_bytes) return out + "...";
    out += piece;
    i += unit;
  }
  return out;
}

}  // namespace

std::string shown_text(std::string_view s, std::size_t max_bytes) {
  return shown(s, max_bytes, false);
}

std::string shown_lines(std::string_view s) { return shown(s, kWholeText, true); }

void warn_once(const std::string& message) {
  static std::mutex m;
  static std::set<std::string> said;
  const std::lock_guard<std::mutex> guard(m);
  if (said.insert(message).second) std::cerr << "clmnist: warning: " << shown_lines(message) << "\n";
}

}  // namespace clmnist::runtime
