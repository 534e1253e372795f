// Finding a member's bytes in JSON text without parsing it: the runtime
// keys its seccomp cache by the raw text of linux.seccomp, and on a hit
// parses the config without that section (podman's profile is ~80% of the
// parse of its config.json).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace minirun::spec {

// [begin, end) of the value at `path` ({"linux", "seccomp"}) in a JSON
// object text.  nullopt when a member on the way is absent, appears twice
// (the parser would take the last), has a key with escapes, or when the
// text is not well-formed as far as the scan reads it.
// A std::string: the scan relies on its terminating NUL (strcspn).
std::optional<std::pair<size_t, size_t>> find_json_member(const std::string& text,
                                                          std::initializer_list<std::string_view> path);

// text with the value at span replaced by null, padded with the span's
// newlines and spaces so every later byte keeps its line and column (the
// parser's error positions stay true; for that a span on one line must be
// at least 4 bytes, as any object but {} is).
std::string null_json_span(std::string_view text, std::pair<size_t, size_t> span);

}  // namespace minirun::spec
