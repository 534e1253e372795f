// The kernel's mountinfo and /proc/PID/cgroup as text: every parser takes
// any bytes (a path with spaces, escapes, a line cut short) without a
// crash, and what it returns is usable by its callers.
#include <cstdint>
#include <string>

#include "cgroup/layout.h"
#include "rootfs/mountinfo.h"
#include "spec/error.h"
#include "spec/proc_tables.h"

using namespace minirun;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The one reader of each file, then what cgroup/ and rootfs/ make of it.
  for (const procfs::MountLine& m : procfs::parse_mountinfo(text)) {
    (void)procfs::unescape(m.root).size();
    (void)procfs::unescape(m.mount_point).size();
    (void)(m.optional.size() + m.fstype.size() + m.source.size() + m.super_options.size());
  }
  for (const procfs::CgroupLine& line : procfs::parse_proc_cgroup(text)) (void)(line.controllers.size() + line.path.size());
  std::vector<rootfs::MountInfo> mounts = rootfs::parse_mountinfo(text);
  for (const char* path : {"/", "/run/minirun/c1/merged", "/sys/fs/cgroup/memory"})
    if (const rootfs::MountInfo* m = rootfs::mount_containing(mounts, path)) (void)m->optional.size();
  try {
    cgroup::HostLayout host = cgroup::parse_mountinfo(text);
    (void)host.layout();
    (void)host.v1_for("memory");
    std::map<std::string, std::string> own = cgroup::parse_proc_cgroup(text);
    for (const char* cgroups_path : {"", "relb/c1", "/abs/c1"}) cgroup::resolve_paths(host, own, cgroups_path, "c1");
    cgroup::clean_cgroup_path(text, "cgroupsPath");
  } catch (const Error&) {
  }
  return 0;
}
