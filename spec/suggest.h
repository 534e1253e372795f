// "did you mean ...?": the closest of a list of names to a misspelt word,
// for config.json members and command-line flags alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minirun {

// The name in `names` closest to a misspelt `word` ("termnial" -> "terminal",
// "detatch" -> "detach"): edits (insert, delete, replace, swap of neighbours)
// at most 2 and fewer than half of word's length; "" when none is that close.
std::string closest_name(std::string_view word, const std::vector<std::string_view>& names);

}  // namespace minirun
