#include "spec/raw_json.h"

#include <cstring>

namespace minirun::spec {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}
  size_t pos() const { return i_; }
  void seek(size_t i) { i_ = i; }
  bool at(char c) {
    skip_space();
    return i_ < t_.size() && t_[i_] == c;
  }
  bool take(char c) {
    if (!at(c)) return false;
    ++i_;
    return true;
  }
  // A string at the cursor; `plain` is false when it has escapes.
  bool string(std::string_view& out, bool& plain) {
    if (!take('"')) return false;
    size_t begin = i_;
    plain = true;
    for (;;) {
      size_t q = t_.find('"', i_);  // memchr
      if (q == std::string_view::npos) return false;
      size_t slashes = 0;
      while (q - slashes > begin && t_[q - slashes - 1] == '\\') ++slashes;
      if (slashes > 0 || (plain && t_.substr(i_, q - i_).find('\\') != std::string_view::npos)) plain = false;
      i_ = q + 1;
      if (slashes % 2 == 0) break;  // not escaped
    }
    out = t_.substr(begin, i_ - 1 - begin);
    return true;
  }
  // Skips one value: brackets balanced, strings minded.
  bool value() {
    skip_space();
    if (i_ >= t_.size()) return false;
    std::string_view s;
    bool plain;
    if (t_[i_] == '"') return string(s, plain);
    if (t_[i_] == '{' || t_[i_] == '[') {
      // Local cursor: a member one would be stored at every byte.
      int depth = 0;
      const size_t n = t_.size();
      const char* d = t_.data();
      size_t i = i_;
      while (i < n) {
        // strcspn is vectorised (a profile is mostly indentation).  It also
        // stops at a NUL, which the code below steps over like any byte.
        i += std::strcspn(d + i, "\"{}[]");
        if (i >= n) break;
        const char c = d[i];
        if (c == '"') {
          i_ = i;
          if (!skip_string()) return false;
          i = i_;
          continue;
        }
        ++i;
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) {
          i_ = i;
          return true;
        }
      }
      i_ = i;
      return false;
    }
    size_t begin = i_;  // a number or a literal
    while (i_ < t_.size() && !is_space(t_[i_]) && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']') ++i_;
    return i_ > begin;
  }

  // Past the string at the cursor (on its '"'), nothing kept: the inner
  // loop of value(), which crosses every string of a seccomp profile.
  bool skip_string() {
    size_t q = i_ + 1;
    for (;;) {
      q = t_.find('"', q);  // memchr
      if (q == std::string_view::npos) return false;
      size_t k = q;
      while (k > i_ + 1 && t_[k - 1] == '\\') --k;
      if ((q - k) % 2 == 0) break;  // not escaped
      ++q;
    }
    i_ = q + 1;
    return true;
  }

  void skip_space() {
    while (i_ < t_.size() && is_space(t_[i_])) ++i_;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

std::optional<std::pair<size_t, size_t>> find_json_member(const std::string& text,
                                                          std::initializer_list<std::string_view> path) {
  Scanner s(text);
  std::pair<size_t, size_t> found{0, 0};
  for (std::string_view want : path) {
    // The object at the cursor: every member, to see a repeated key.
    if (!s.take('{')) return std::nullopt;
    bool seen = false;
    if (!s.take('}')) {
      do {
        std::string_view key;
        bool plain;
        if (!s.string(key, plain) || !plain || !s.take(':')) return std::nullopt;
        s.skip_space();  // to the value's first byte
        size_t begin = s.pos();
        if (!s.value()) return std::nullopt;
        if (key == want) {
          if (seen) return std::nullopt;
          seen = true;
          found = {begin, s.pos()};
        }
      } while (s.take(','));
      if (!s.take('}')) return std::nullopt;
    }
    if (!seen) return std::nullopt;
    s.seek(found.first);
  }
  return found;
}

std::string null_json_span(std::string_view text, std::pair<size_t, size_t> span) {
  std::string_view cut = text.substr(span.first, span.second - span.first);
  size_t newlines = 0, last_newline = std::string_view::npos;
  for (size_t p = cut.find('\n'); p != std::string_view::npos; p = cut.find('\n', p + 1)) {
    ++newlines;
    last_newline = p;
  }
  // The columns the cut takes on its last line.
  size_t width = last_newline != std::string_view::npos ? cut.size() - last_newline - 1
                 : cut.size() >= 4                      ? cut.size() - 4
                                                        : 0;
  std::string out;
  out.reserve(text.size());
  out.append(text.substr(0, span.first)).append("null").append(newlines, '\n').append(width, ' ');
  out.append(text.substr(span.second));
  return out;
}

}  // namespace minirun::spec
