// Private: steps shared by the v1 and v2 managers.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"

namespace minirun::cgroup {

// An OCI device rule's access, any of "rwm", as the bits `read`, `write`
// and `mknod` of the caller's format (devices.allow's or the eBPF
// filter's); throws "WHAT: invalid access \"x\"" (EINVAL) on another letter.
unsigned device_access_bits(const std::string& letters, unsigned read, unsigned write, unsigned mknod,
                            const std::string& what);
// Every pid in dir and the cgroups below it.
std::vector<pid_t> processes_below(const std::string& dir);
// Throws "cgroup DIR already has processes (pid N, ...)" if it or any
// cgroup below it holds one.
void refuse_populated(const std::string& dir);
// rmdir every directory of `dirs` and anything below it, deepest first;
// missing dirs are fine.  Throws the first failure after trying them all.
void remove_made_dirs(const std::vector<std::string>& dirs);
// rmdir of `dirs`, deepest first (missing ones count as removed); false at
// the first that will not go (processes or child cgroups left): then the
// caller kills, waits and walks.  After a container exited this is all
// destroy needs: no cgroup.procs reads, no directory walks.
bool remove_if_empty(const std::vector<std::string>& dirs);
// One hierarchy's destroy(): remove_if_empty(dirs), else wait_empty(m) and
// remove_made_dirs(dirs).
void destroy_dirs(Manager& m, const std::vector<std::string>& dirs);
// pids.max, the same file on v1 and v2.
void apply_pids(const std::string& dir, const spec::Pids& p);
// hugetlb.<size>.<suffix> (and .rsvd.<suffix> where it exists); the suffix
// is "limit_in_bytes" on v1 and "max" on v2.
void apply_hugetlb(const std::string& dir, const std::vector<spec::HugepageLimit>& limits, const char* suffix);
// rdma.max lines, the same format on v1 and v2.
void apply_rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma);
// Waits (~2 s) for the manager's cgroups to empty; throws "cgroup DIR still
// has processes the container did not start (pid N, ...)" if they do not.
// Never signals: what is left there was not killed as the container's.
void wait_empty(const Manager& m, const std::string& dir);
// Sends sig through a pidfd to each of pids that `only` accepts (all if null).
void signal_pids(const std::vector<pid_t>& pids, int sig, const ProcessFilter& only);

}  // namespace minirun::cgroup
