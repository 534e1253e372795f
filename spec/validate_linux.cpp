// Meaning checks on the "linux" object: namespaces and what needs them,
// devices, resources and seccomp.
#include <set>

#include "spec/internal.h"

namespace minirun::spec::detail {

namespace {

const std::initializer_list<std::string_view> kSeccompActions = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
};

void check_namespaces(const Linux& l) {
  std::set<NamespaceType> seen;
  for (size_t i = 0; i < l.namespaces.size(); ++i) {
    const Namespace& ns = l.namespaces[i];
    std::string path = element_path("linux.namespaces", i);
    if (!seen.insert(ns.type).second) {
      fail_at(member_path(path, "type"), "duplicate namespace " + quoted(namespace_type_name(ns.type)));
    }
    if (!ns.path.empty() && !is_absolute_path(ns.path)) {
      fail_at(member_path(path, "path"), "must be an absolute path, got " + quoted(ns.path));
    }
  }
}

void check_id_mappings(const Linux& l) {
  const Namespace* userns = l.find_namespace(NamespaceType::user);
  for (const auto& [name, maps] : {std::pair{"linux.uidMappings", &l.uid_mappings},
                                   std::pair{"linux.gidMappings", &l.gid_mappings}}) {
    if (!userns && !maps->empty()) {
      fail_at(name, "user namespace mappings specified, but no user namespace in linux.namespaces");
    }
    for (size_t i = 0; i < maps->size(); ++i) {
      if ((*maps)[i].size == 0) fail_at(member_path(element_path(name, i), "size"), "must be greater than zero");
    }
  }
  // A new user namespace needs maps; joining one by path brings its own (runc).
  if (userns && userns->path.empty()) {
    if (l.uid_mappings.empty()) fail_at("linux.uidMappings", "user namespaces enabled, but no uid mappings found");
    if (l.gid_mappings.empty()) fail_at("linux.gidMappings", "user namespaces enabled, but no gid mappings found");
  }
}

void check_devices(const Linux& l) {
  for (size_t i = 0; i < l.devices.size(); ++i) {
    const std::string& path = l.devices[i].path;
    if (!is_absolute_path(path)) {
      fail_at(member_path(element_path("linux.devices", i), "path"), "must be an absolute path, got " + quoted(path));
    }
  }
}

// "net/ipv4/ip_forward" is the same key as "net.ipv4.ip_forward" (sysctl.d(5)).
std::string sysctl_dotted(std::string key) {
  size_t sep = key.find_first_of("./");
  if (sep == std::string::npos || key[sep] == '.') return key;
  for (char& c : key) {
    if (c == '.') {
      c = '/';
    } else if (c == '/') {
      c = '.';
    }
  }
  return key;
}

// runc's rule: only sysctls of a namespace the container owns may be set.
void check_sysctl(const Linux& l) {
  static const std::set<std::string> ipc_sysctls = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
  };
  for (const auto& [raw_key, value] : l.sysctl) {
    std::string path = "linux.sysctl[" + quoted(raw_key) + "]";
    if (raw_key.empty()) fail_at(path, "key must not be empty");
    std::string key = sysctl_dotted(raw_key);
    if (ipc_sysctls.count(key) || key.rfind("fs.mqueue.", 0) == 0) {
      if (!l.has_namespace(NamespaceType::ipc)) fail_at(path, "not allowed without an ipc namespace");
      continue;
    }
    if (key.rfind("net.", 0) == 0) {
      // A joined netns (by path) could be the host's; that needs a stat, left to runtime/.
      if (!l.has_namespace(NamespaceType::network)) fail_at(path, "not allowed without a network namespace");
      continue;
    }
    if (l.has_namespace(NamespaceType::uts)) {
      if (key == "kernel.domainname") continue;
      if (key == "kernel.hostname") fail_at(path, "conflicts with the \"hostname\" field, set that instead");
    }
    fail_at(path, "not in a separate kernel namespace");
  }
}

void check_seccomp(const Seccomp& s) {
  check_one_of("linux.seccomp.defaultAction", s.default_action, kSeccompActions, "seccomp action");
  if (s.default_action == "SCMP_ACT_NOTIFY") {
    fail_at("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  }
  if (s.default_errno_ret && s.default_action != "SCMP_ACT_ERRNO" && s.default_action != "SCMP_ACT_TRACE") {
    fail_at("linux.seccomp.defaultErrnoRet", "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
  }
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    check_one_of(element_path("linux.seccomp.architectures", i), s.architectures[i],
                 {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
                  "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
                  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                  "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
                  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64"},
                 "seccomp architecture");
  }
  for (size_t i = 0; i < s.flags.size(); ++i) {
    check_one_of(element_path("linux.seccomp.flags", i), s.flags[i],
                 {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
                 "seccomp flag");
  }
  bool uses_notify = false;
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const SeccompSyscall& call = s.syscalls[i];
    std::string path = element_path("linux.seccomp.syscalls", i);
    if (call.names.empty()) fail_at(member_path(path, "names"), "must not be empty");
    for (size_t n = 0; n < call.names.size(); ++n) {
      if (call.names[n].empty()) fail_at(element_path(member_path(path, "names"), n), "must not be empty");
      // The notify listener is reached by write(2), so trapping it would deadlock (runc).
      if (call.action == "SCMP_ACT_NOTIFY" && call.names[n] == "write") {
        fail_at(member_path(path, "action"), "SCMP_ACT_NOTIFY cannot be used for the write syscall");
      }
    }
    check_one_of(member_path(path, "action"), call.action, kSeccompActions, "seccomp action");
    uses_notify |= call.action == "SCMP_ACT_NOTIFY";
    if (call.errno_ret && call.action != "SCMP_ACT_ERRNO" && call.action != "SCMP_ACT_TRACE") {
      fail_at(member_path(path, "errnoRet"), "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    }
    for (size_t a = 0; a < call.args.size(); ++a) {
      std::string arg_path = element_path(member_path(path, "args"), a);
      if (call.args[a].index > 5) {
        fail_at(member_path(arg_path, "index"), "must be between 0 and 5, got " + std::to_string(call.args[a].index));
      }
      check_one_of(member_path(arg_path, "op"), call.args[a].op,
                   {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                    "SCMP_CMP_MASKED_EQ"},
                   "seccomp operator");
    }
  }
  if (uses_notify && s.listener_path.empty()) {
    fail_at("linux.seccomp.listenerPath", "must be set when SCMP_ACT_NOTIFY is used");
  }
}

void check_time_offsets(const Linux& l) {
  if (l.time_offsets.empty()) return;
  if (!l.has_namespace(NamespaceType::time)) {
    fail_at("linux.timeOffsets", "time namespace offsets specified, but no time namespace in linux.namespaces");
  }
  for (const auto& [clock, offset] : l.time_offsets) {
    if (offset.nanosecs >= 1000000000) {
      fail_at("linux.timeOffsets[" + quoted(clock) + "].nanosecs",
              "must be less than 1000000000, got " + std::to_string(offset.nanosecs));
    }
  }
}

}  // namespace

void validate_resources(const Resources& r, const std::string& where) {
  for (size_t i = 0; i < r.devices.size(); ++i) {
    const DeviceRule& rule = r.devices[i];
    std::string path = element_path(member_path(where, "devices"), i);
    check_one_of(member_path(path, "type"), rule.type, {"a", "c", "b"}, "device type");
    std::set<char> seen;
    for (char c : rule.access) {
      if ((c != 'r' && c != 'w' && c != 'm') || !seen.insert(c).second) {
        fail_at(member_path(path, "access"), "invalid access " + quoted(rule.access) + " (want letters of \"rwm\")");
      }
    }
  }
  if (r.memory) {
    const Memory& m = *r.memory;
    // swap is memory+swap, as in cgroup v1 and runc's v2 conversion.
    if (m.limit && m.swap && *m.limit > 0 && *m.swap > 0 && *m.swap < *m.limit) {
      fail_at(member_path(where, "memory.swap"), "memory+swap limit " + std::to_string(*m.swap) +
                                                     " must be at least the memory limit " + std::to_string(*m.limit));
    }
    if (m.swappiness && *m.swappiness > 100) {
      fail_at(member_path(where, "memory.swappiness"), "must be between 0 and 100, got " + std::to_string(*m.swappiness));
    }
  }
  if (r.cpu) {
    for (const auto& [name, list] : {std::pair{"cpu.cpus", &r.cpu->cpus}, std::pair{"cpu.mems", &r.cpu->mems}}) {
      if (!list->empty() && !is_cpu_list(*list)) fail_at(member_path(where, name), "invalid list " + quoted(*list));
    }
    if (r.cpu->idle && *r.cpu->idle != 0 && *r.cpu->idle != 1) {
      fail_at(member_path(where, "cpu.idle"), "must be 0 or 1, got " + std::to_string(*r.cpu->idle));
    }
  }
  for (const auto& [file, value] : r.unified) {
    // Keys name files in the container's cgroup dir: never a path out of it.
    if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..") {
      fail_at(member_path(where, "unified[" + quoted(file) + "]"), "must be a cgroup file name");
    }
  }
}

void validate_linux(const Spec& spec) {
  const Linux& l = spec.linux;
  check_namespaces(l);
  check_id_mappings(l);
  check_devices(l);
  if (l.resources) validate_resources(*l.resources, "linux.resources");
  check_sysctl(l);
  if (l.seccomp) check_seccomp(*l.seccomp);
  if (!l.rootfs_propagation.empty()) {
    check_one_of("linux.rootfsPropagation", l.rootfs_propagation,
                 {"private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"},
                 "propagation");
  }
  check_time_offsets(l);
  if (l.personality) {
    check_one_of("linux.personality.domain", l.personality->domain, {"LINUX", "LINUX32"}, "personality domain");
  }
  // runc: these need a namespace of the container's own to take effect.
  if (!spec.hostname.empty() && !l.has_namespace(NamespaceType::uts)) {
    fail_at("hostname", "unable to set hostname without a private UTS namespace");
  }
  if (!spec.domainname.empty() && !l.has_namespace(NamespaceType::uts)) {
    fail_at("domainname", "unable to set domainname without a private UTS namespace");
  }
  if ((!l.masked_paths.empty() || !l.readonly_paths.empty()) && !l.has_namespace(NamespaceType::mount)) {
    fail_at(l.masked_paths.empty() ? "linux.readonlyPaths" : "linux.maskedPaths",
            "unable to restrict paths without a private mount namespace");
  }
}

}  // namespace minirun::spec::detail
