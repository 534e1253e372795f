// The config `runc spec` (1.1.5) writes, key order and all, so bundles made by
// `minirun spec` and `runc spec` are the same bytes.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "spec/spec.h"

namespace minirun::spec {

namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json mount(const char* destination, const char* type, const char* source,
                   std::vector<std::string> options = {}) {
  ordered_json m = {{"destination", destination}, {"type", type}, {"source", source}};
  if (!options.empty()) m["options"] = options;
  return m;
}

ordered_json id_mapping(uint32_t host_id) { return {{"containerID", 0}, {"hostID", host_id}, {"size", 1}}; }

ordered_json default_mounts(bool rootless) {
  // Rootless: no gid=5 (group 5 is unmapped) and /sys bound from the host (sysfs needs a netns we don't own).
  std::vector<std::string> devpts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  if (!rootless) devpts.push_back("gid=5");
  ordered_json sys = rootless ? mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"})
                              : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"});
  return ordered_json::array({
      mount("/proc", "proc", "proc"),
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      mount("/dev/pts", "devpts", "devpts", devpts),
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      sys,
      mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  });
}

ordered_json default_linux(bool rootless) {
  ordered_json l = ordered_json::object();
  std::vector<std::string> namespaces;
  if (rootless) {
    // Like runc: map the invoking user to root, join no host network.
    l["uidMappings"] = ordered_json::array({id_mapping(::geteuid())});
    l["gidMappings"] = ordered_json::array({id_mapping(::getegid())});
    namespaces = {"pid", "ipc", "uts", "mount", "user"};
  } else {
    l["resources"] = {{"devices", ordered_json::array({{{"allow", false}, {"access", "rwm"}}})}};
    namespaces = {"pid", "network", "ipc", "uts", "mount"};
  }
  l["namespaces"] = ordered_json::array();
  for (const std::string& type : namespaces) l["namespaces"].push_back({{"type", type}});
  l["maskedPaths"] = {"/proc/acpi",          "/proc/asound",     "/proc/kcore",      "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                      "/sys/firmware",       "/proc/scsi"};
  l["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  return l;
}

}  // namespace

std::string default_spec_json(bool rootless) {
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  ordered_json process = {
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", {"sh"}},
      {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
      {"cwd", "/"},
      {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", ordered_json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true},
  };
  ordered_json spec = {
      {"ociVersion", "1.0.2-dev"},
      {"process", process},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"hostname", "runc"},
      {"mounts", default_mounts(rootless)},
      {"linux", default_linux(rootless)},
  };
  // runc writes tabs and no trailing newline.
  return spec.dump(1, '\t');
}

}  // namespace minirun::spec
