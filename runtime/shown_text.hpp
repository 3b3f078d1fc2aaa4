// Text from files, drivers and users (file names, model metadata, bench records, config values,
// device names) as a terminal, a table or a picture may show it: nothing in it can move the
// cursor, set a title, clear the screen or start a line of its own. The one helper for them all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clmnist::runtime {

// No limit on the length shown.
constexpr std::size_t kWholeText = std::string_view::npos;

// `s` with every byte that could act on a terminal or break a line written as an escape: the C0
// controls (\n, \r, \t, others as \x1b), DEL (\x7f), the C1 controls U+0080..U+009F (their two
// bytes, \xc2\x9b) and every byte that is not part of valid UTF-8 (\xff). Where the text so
// shown is longer than `max_bytes`, it ends at the last character or escape that fits, and "..."
// follows: a multi-byte character or an escape is never cut in two. Valid UTF-8 otherwise passes
// unchanged.
std::string shown_text(std::string_view s, std::size_t max_bytes = kWholeText);

// As shown_text(s), but line ends and tabs stay: for messages of several lines on purpose (an
// error that carries a driver's build log or the list of devices).
std::string shown_lines(std::string_view s);

// "clmnist: warning: MESSAGE" on stderr, escaped as shown_lines, once per distinct message in a
// run; safe from any thread. The one warning line of every folder (the backends, the tuning
// file, the user directories, an output that breaks a hard link).
void warn_once(const std::string& message);

}  // namespace clmnist::runtime
