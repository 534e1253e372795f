#include "spec/proc_tables.h"

#include "spec/strings.h"

namespace minirun::procfs {
namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// Fills `out` from one line; false if the line is cut short.  A view with
// no data is "no field left", an empty one with data an empty field.
bool split_mount_line(std::string_view line, MountLine& out) {
  std::string_view head[6];
  for (std::string_view& field : head) {
    if (line.data() == nullptr) return false;
    field = next_piece(line, ' ');
  }
  const char* optional_begin = line.data();
  const char* optional_end = optional_begin;
  for (;;) {
    if (line.data() == nullptr) return false;
    const std::string_view word = next_piece(line, ' ');
    if (word == "-") break;
    optional_end = word.data() + word.size();
  }
  std::string_view tail[3];
  for (std::string_view& field : tail) {
    if (line.data() == nullptr) return false;
    field = next_piece(line, ' ');
  }
  const std::string_view optional(optional_begin, static_cast<size_t>(optional_end - optional_begin));
  out = {head[3], head[4], head[5], optional, tail[0], tail[1], tail[2]};
  return true;
}

}  // namespace

std::vector<MountLine> parse_mountinfo(std::string_view text) {
  std::vector<MountLine> out;
  for (std::string_view rest = text; !rest.empty();) {
    MountLine m;
    if (split_mount_line(next_piece(rest, '\n'), m)) out.push_back(m);
  }
  return out;
}

std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) && is_octal(field[i + 2]) &&
        is_octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::vector<CgroupLine> parse_proc_cgroup(std::string_view text) {
  std::vector<CgroupLine> out;
  for (std::string_view rest = text; !rest.empty();) {
    std::string_view line = next_piece(rest, '\n');
    const size_t first = line.find(':');
    if (first == std::string_view::npos) continue;
    const size_t second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    out.push_back({line.substr(first + 1, second - first - 1), line.substr(second + 1)});
  }
  return out;
}

}  // namespace minirun::procfs
