// Files under /proc/PID that the kernel accepts once and only in one write:
// uid_map, setgroups, gid_map and timens_offsets.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "ns/ns.h"
#include "spec/error.h"

namespace minirun::ns {

namespace {

// A partial write would leave the map half-set and the file closed for
// good, so the whole content goes in a single write(2).
void write_proc_file(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  ssize_t n = ::write(fd.get(), content.data(), content.size());
  if (n < 0) throw_errno("write " + path);
  if (static_cast<size_t>(n) != content.size()) throw Error("write " + path + ": short write", EIO);
}

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
  const std::string proc = "/proc/" + std::to_string(pid) + "/";
  if (!uid_mappings.empty()) write_proc_file(proc + "uid_map", format_id_map(uid_mappings));
  // setgroups must be denied before an unprivileged gid_map write.
  if (deny_setgroups) write_proc_file(proc + "setgroups", "deny");
  if (!gid_mappings.empty()) write_proc_file(proc + "gid_map", format_id_map(gid_mappings));
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
  write_proc_file("/proc/" + std::to_string(pid) + "/timens_offsets", content);
}

}  // namespace minirun::ns
