// ns/: namespaces (clone flags, joining by path, id maps, hostname).  The
// container network is in ns/net/ (net/network.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::ns {

int clone_flag(spec::NamespaceType t);        // CLONE_NEWPID ...
const char* proc_ns_name(spec::NamespaceType t);  // "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time"

// Opens a namespace file and checks (ioctl NS_GET_NSTYPE) that it is a
// namespace of type t: "linux.namespaces: /x is not a network namespace",
// "linux.namespaces: open /x: No such file or directory".
UniqueFd open_namespace(const std::string& path, spec::NamespaceType t);
void join_namespace(int fd, spec::NamespaceType t);  // setns

// fork() with CLONE_NEW* flags (a raw clone: the child goes on on the same
// stack, returning 0).  cgroup_fd >= 0: clone3(CLONE_INTO_CGROUP), so the
// child is born in that cgroup2 dir without a migration; `into_cgroup` says
// in both processes whether that happened (false when the kernel refused it:
// then a plain clone, and the caller joins the cgroup).  pid_ns_fd >= 0: the
// child is born in that pid namespace (the caller's pid_for_children is set
// around the clone and put back).  Throws "clone: ...".
pid_t clone_process(int flags, int cgroup_fd, bool& into_cgroup, int pid_ns_fd = -1);

// Writes /proc/PID/{uid_map,setgroups,gid_map}.  setgroups is set to "deny"
// when deny_setgroups (rootless).
void write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uid_mappings,
                   const std::vector<spec::IdMapping>& gid_mappings, bool deny_setgroups);

void set_hostname(const std::string& name);    // in the current uts ns
void set_domainname(const std::string& name);

// Writes /proc/PID/timens_offsets (before anything runs in the time ns).
void write_time_offsets(pid_t pid, const std::map<std::string, spec::TimeOffset>& offsets);

}  // namespace minirun::ns
