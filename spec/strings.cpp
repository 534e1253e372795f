#include "spec/strings.h"

#include "spec/error.h"

namespace minirun {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string_view next_piece(std::string_view& rest, char sep) {
  const size_t end = rest.find(sep);
  std::string_view piece = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return piece;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = s.find_first_not_of(" \t", pos)) != std::string::npos) {
    size_t end = s.find_first_of(" \t", pos);
    out.push_back(s.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    pos = end;
  }
  return out;
}

bool is_decimal(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

uint32_t parse_id(const std::string& text, const std::string& what) {
  if (!is_decimal(text)) throw Error(what + ": \"" + text + "\" is not a decimal id");
  // Digits past the limit's ten are out of range whatever they say.
  uint64_t v = 0;
  for (char c : text) {
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > spec::kMaxId) {
      throw Error(what + ": id " + text + " is out of range (max " + std::to_string(spec::kMaxId) + ")");
    }
  }
  return static_cast<uint32_t>(v);
}

}  // namespace minirun
