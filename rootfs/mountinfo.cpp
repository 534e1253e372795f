#include "rootfs/mountinfo.h"

#include "rootfs/path_names.h"

#include "spec/files.h"
#include "spec/strings.h"

#include "spec/error.h"

namespace minirun::rootfs {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct = s.substr(i + 1, 3);
      if (oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::vector<MountInfo> read_mountinfo(const std::string& file) { return parse_mountinfo(read_file(file)); }

std::vector<MountInfo> parse_mountinfo(const std::string& text) {
  std::vector<MountInfo> mounts;
  for (const std::string& line : split(text, '\n')) {
    // id parent devno root mount_point options [optional...] - fstype source super_options
    const std::vector<std::string> f = split_words(line);
    if (f.size() < 6) continue;
    MountInfo m;
    m.root = f[3];
    m.mount_point = f[4];
    size_t i = 6;
    for (; i < f.size() && f[i] != "-"; ++i) m.optional += (m.optional.empty() ? "" : " ") + f[i];
    if (i + 1 < f.size()) m.fstype = f[i + 1];
    if (i + 2 < f.size()) m.source = f[i + 2];
    if (i + 3 < f.size()) m.super_options = f[i + 3];
    m.root = unescape_octal(m.root);
    m.mount_point = unescape_octal(m.mount_point);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

const MountInfo* mount_containing(const std::vector<MountInfo>& mounts, const std::string& path) {
  const MountInfo* best = nullptr;
  for (const MountInfo& m : mounts) {
    if (path_is_under(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

}  // namespace minirun::rootfs
