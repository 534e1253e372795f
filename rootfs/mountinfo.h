// Private: /proc/self/mountinfo entries (spec/proc_tables.h reads the
// text), with the paths unescaped.
#pragma once

#include <string>
#include <vector>

namespace minirun::rootfs {

struct MountInfo {
  std::string root;         // path inside the filesystem that is mounted
  std::string mount_point;  // as seen by this process
  std::string optional;     // "shared:1 master:2", may be empty
  std::string fstype;
  std::string source;         // as the kernel shows it (escapes kept)
  std::string super_options;
};

std::vector<MountInfo> read_mountinfo(const std::string& file = "/proc/self/mountinfo");
// The same from the text of a mountinfo file.
std::vector<MountInfo> parse_mountinfo(const std::string& text);

// The mount whose mount point is the longest prefix of `path` (the last one
// mounted there when stacked); nullptr if none.
const MountInfo* mount_containing(const std::vector<MountInfo>& mounts, const std::string& path);

}  // namespace minirun::rootfs
