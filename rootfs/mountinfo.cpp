#include "rootfs/mountinfo.h"

#include "rootfs/path_names.h"
#include "spec/files.h"
#include "spec/proc_tables.h"

namespace minirun::rootfs {

std::vector<MountInfo> read_mountinfo(const std::string& file) { return parse_mountinfo(read_file(file)); }

std::vector<MountInfo> parse_mountinfo(const std::string& text) {
  std::vector<MountInfo> mounts;
  for (const procfs::MountLine& m : procfs::parse_mountinfo(text)) {
    mounts.push_back({procfs::unescape(m.root), procfs::unescape(m.mount_point), std::string(m.optional),
                      std::string(m.fstype), std::string(m.source), std::string(m.super_options)});
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
