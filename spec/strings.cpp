#include "spec/strings.h"

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

}  // namespace minirun
