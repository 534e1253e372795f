// String splitting shared by every library (spec/ is the base they all
// link), in place of a std::stringstream and getline per line and field.
#pragma once

#include <string>
#include <vector>

namespace minirun {

// Every field between separators: "a::b" -> {"a", "", "b"}, "" -> {""}.
std::vector<std::string> split(const std::string& s, char sep);
// Fields separated by runs of spaces or tabs, none empty ("a  b\t c").
std::vector<std::string> split_words(const std::string& s);

}  // namespace minirun
