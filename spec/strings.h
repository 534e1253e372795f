// String splitting shared by every library (spec/ is the base they all
// link), in place of a std::stringstream and getline per line and field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minirun {

namespace spec {
// The largest uid or gid minirun accepts anywhere (config, --user, the
// container's /etc/passwd): int32, as runc.  Above it setresuid(-1) would
// change nothing and a cast would wrap to root.
constexpr uint32_t kMaxId = 2147483647;
}  // namespace spec

// Every field between separators: "a::b" -> {"a", "", "b"}, "" -> {""}.
std::vector<std::string> split(const std::string& s, char sep);
// The next `sep`-separated piece of `rest`, which loses it and the
// separator; after the last piece `rest` is a view with no data (an empty
// last piece, "a,", leaves one with data): a loop over a text's pieces
// without a copy of each.
std::string_view next_piece(std::string_view& rest, char sep);
// Fields separated by runs of spaces or tabs, none empty ("a  b\t c").
std::vector<std::string> split_words(const std::string& s);

// True for a non-empty run of ASCII digits.
bool is_decimal(const std::string& s);
// A uid or gid written in decimal (--user, an /etc/passwd field), at most
// spec::kMaxId; else throws "WHAT: ..." naming the text.
uint32_t parse_id(const std::string& text, const std::string& what);

}  // namespace minirun
