// runtime::shown_text and shown_lines: untrusted text as a terminal, a table or a picture shows it
// (issue 25, class 8), and the places that use them: shown_json, the device table.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "device_info.hpp"
#include "json_read.hpp"
#include "shown_text.hpp"

using clmnist::runtime::shown_lines;
using clmnist::runtime::shown_text;

namespace {

// True when no byte of `s` is a C0 control, DEL or the lead of a C1 control (0xc2 0x80..0x9f).
bool terminal_safe(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("shown_text escapes C0, DEL and C1 controls and leaves other text alone") {
  CHECK(shown_text("plain text, 7 digits: 0123456") == "plain text, 7 digits: 0123456");
  CHECK(shown_text("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(shown_text("\x1b[2J") == "\\x1b[2J");
  CHECK(shown_text("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(shown_text(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(shown_text("del\x7f") == "del\\x7f");
  CHECK(shown_text("csi \xc2\x9b"
                   "2J") == "csi \\xc2\\x9b2J");  // U+009B, the 8-bit CSI
  CHECK(shown_text("\xc2\x80 \xc2\x9f") == "\\xc2\\x80 \\xc2\\x9f");
  // Printable UTF-8 just above and far above the C1 range passes unchanged.
  CHECK(shown_text("\xc2\xa0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "\xc2\xa0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST_CASE("shown_text escapes every byte that is not valid UTF-8") {
  CHECK(shown_text("\xff") == "\\xff");
  CHECK(shown_text("lone \x80 continuation") == "lone \\x80 continuation");
  CHECK(shown_text("cut \xe2\x82") == "cut \\xe2\\x82");            // a character cut short
  CHECK(shown_text("overlong \xc0\xaf") == "overlong \\xc0\\xaf");  // '/' in two bytes
  CHECK(shown_text("surrogate \xed\xa0\x80") == "surrogate \\xed\\xa0\\x80");
  CHECK(shown_text("beyond \xf4\x90\x80\x80") == "beyond \\xf4\\x90\\x80\\x80");
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    INFO("byte " << b);
    CHECK(terminal_safe(shown_text(one)));
    CHECK(terminal_safe(shown_text("\xc2" + one)));
  }
}

TEST_CASE("shown_text cuts a long text at a character boundary and says so") {
  CHECK(shown_text("abcdef", 6) == "abcdef");
  CHECK(shown_text("abcdefg", 6) == "abcdef...");
  // "\xe2\x82\xac" (the euro sign) spans bytes 5 to 7: a cut at 6 or 7 bytes keeps none of it.
  CHECK(shown_text("abcde\xe2\x82\xacz", 6) == "abcde...");
  CHECK(shown_text("abcde\xe2\x82\xacz", 7) == "abcde...");
  CHECK(shown_text("abcde\xe2\x82\xacz", 8) == "abcde\xe2\x82\xac...");
  CHECK(shown_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 5) == "\xf0\x9f\x98\x80...");
  // The limit is on the text shown: an escape counts its 4 bytes and is shown whole or not at all.
  CHECK(shown_text("ab\x1b"
                   "cd",
                   6) == "ab\\x1b...");
  CHECK(shown_text("ab\x1b"
                   "cd",
                   5) == "ab...");
  CHECK(shown_text("ab\x1b"
                   "cd",
                   7) == "ab\\x1bc...");
  CHECK(shown_text("", 0).empty());
}

TEST_CASE("shown_lines keeps line ends and tabs and escapes every other control") {
  CHECK(shown_lines("build log:\n\tline 2\n") == "build log:\n\tline 2\n");
  CHECK(shown_lines("a\x1b[2Jb\rc\x07\n\xc2\x9b\xff") == "a\\x1b[2Jb\\rc\\x07\n\\xc2\\x9b\\xff");
}

TEST_CASE("shown_json shows 40 bytes of a value, escaped and never a character cut in two") {
  // nlohmann escapes C0 in strings itself; DEL and C1 are left to shown_text.
  CHECK(clmnist::runtime::shown_json(nlohmann::json("x\x7f\xc2\x9b")) == "\"x\\x7f\\xc2\\x9b\"");
  std::string euros;
  for (int i = 0; i < 20; ++i) euros += "\xe2\x82\xac";  // 60 bytes
  const std::string shown = clmnist::runtime::shown_json(nlohmann::json(euros));
  // '"' and 13 euro signs are 40 bytes; the cut comes after them.
  CHECK(shown == "\"" + euros.substr(0, 39) + "...");
}

TEST_CASE("the device table shows a driver's names escaped") {
  clmnist::runtime::DeviceDesc d = clmnist::runtime::host_device_desc(0);
  d.name = "evil\x1b]0;pwned\x07";
  d.vendor = "v\x1b[2J";
  d.stable_address = "p/evil\nforged row";
  const std::string table = clmnist::runtime::format_device_table({d});
  CHECK(table.find('\x1b') == std::string::npos);
  CHECK(table.find('\x07') == std::string::npos);
  CHECK(table.find("evil\\x1b]0;pwned\\x07 / v\\x1b[2J") != std::string::npos);
  CHECK(table.find("p/evil\\nforged row") != std::string::npos);
  CHECK(std::count(table.begin(), table.end(), '\n') == 2);  // the heading and one device
}
