// Files under /proc/PID that the kernel accepts once and only in one write:
// uid_map, setgroups, gid_map and timens_offsets.

#include <string>

#include "ns/ns.h"
#include "spec/error.h"
#include "spec/procfs.h"

namespace minirun::ns {

namespace {

std::string format_id_map(const std::vector<spec::IdMapping>& mappings) {
  std::string out;
  for (const auto& m : mappings) {
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
           std::to_string(m.size) + "\n";
  }
  return out;
}

}  // namespace

void write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uid_mappings,
                   const std::vector<spec::IdMapping>& gid_mappings, bool deny_setgroups) {
  // procfs::write_file: one write(2) each (a partial one would leave the map
  // half-set and the file closed for good), to no file mounted over them.
  UniqueFd proc = procfs::open_root();
  const std::string dir = std::to_string(pid) + "/";
  if (!uid_mappings.empty()) procfs::write_file(proc.get(), dir + "uid_map", format_id_map(uid_mappings));
  // setgroups must be denied before an unprivileged gid_map write.
  if (deny_setgroups) procfs::write_file(proc.get(), dir + "setgroups", "deny");
  if (!gid_mappings.empty()) procfs::write_file(proc.get(), dir + "gid_map", format_id_map(gid_mappings));
}

void write_time_offsets(pid_t pid, const std::map<std::string, spec::TimeOffset>& offsets) {
  if (offsets.empty()) return;
  std::string content;
  for (const auto& [clock, off] : offsets) {
    if (clock != "monotonic" && clock != "boottime") {
      throw Error("linux.timeOffsets: unknown clock " + clock, EINVAL);
    }
    content += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
  }
  procfs::write_file(std::to_string(pid) + "/timens_offsets", content);
}

}  // namespace minirun::ns
