// The runtime's writes into procfs (sysctls, LSM exec labels, oom_score_adj,
// id maps, timens_offsets), opened so that nothing mounted over the file or
// over a dir on its way can take the write (CVE-2025-52881): the lookup
// starts at a checked procfs root and crosses no mount and no symlink.
#pragma once

#include <string>

#include "spec/unique_fd.h"

namespace minirun::procfs {

// An O_PATH fd of the procfs mounted at `mount_point`, checked to be the
// root of a procfs (not another filesystem, not a bind of a part of one).
UniqueFd open_root(const std::string& mount_point = "/proc");

// Opens `name` ("sys/kernel/domainname", "thread-self/attr/exec",
// "123/uid_map") below the procfs root `root_fd`.  A leading "self" or
// "thread-self" is read from that procfs's own link; the rest must resolve
// within the root's mount: a mount on the file or on a dir on its way is
// "open /proc/NAME: something is mounted over it" (EXDEV).
UniqueFd open_file(int root_fd, const std::string& name, int flags);

// Opens `name` as above and writes `content` in one write(2): the kernel
// takes id maps and timens_offsets only whole.
void write_file(int root_fd, const std::string& name, const std::string& content);
// The same below open_root("/proc").
void write_file(const std::string& name, const std::string& content);

}  // namespace minirun::procfs
