#include "rootfs/mountinfo.h"

#include <fstream>
#include <sstream>

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

bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

std::vector<MountInfo> read_mountinfo(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw_errno("open " + file);
  std::vector<MountInfo> mounts;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, field;
    MountInfo m;
    fields >> id >> parent >> devno >> m.root >> m.mount_point >> field;  // field: per-mount options
    while (fields >> field && field != "-") m.optional += (m.optional.empty() ? "" : " ") + field;
    fields >> m.fstype >> m.source >> m.super_options;
    m.root = unescape_octal(m.root);
    m.mount_point = unescape_octal(m.mount_point);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

const MountInfo* mount_containing(const std::vector<MountInfo>& mounts, const std::string& path) {
  const MountInfo* best = nullptr;
  for (const MountInfo& m : mounts) {
    if (is_under(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

}  // namespace minirun::rootfs
