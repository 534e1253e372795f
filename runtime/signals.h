// The one way the runtime signals a container (kill, delete, a failed create
// or poststart hook): only processes the container started, by construction.
//  - The init through a pidfd whose process still has the start time saved
//    at create: a reused pid is never signalled.
//  - The rest through its cgroup (frozen meanwhile, as runc), keeping only
//    processes started no earlier than the init and, when the container has
//    a pid namespace other than minirun's, in it or in one nested in it.
//    create() refused a cgroup that had processes in or below it, so
//    sharing minirun's pid namespace the cgroup and the start time decide.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "cgroup/cgroup.h"

namespace minirun::runtime {

// The container's init: its pid and the start time saved at create (0: our
// own child, not yet reaped, whose pid cannot have been reused).
struct InitProcess {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

// Sends sig to the init, or with `all` to every process of the container
// (runc's kill --all).  Throws "container not running" once the init is
// gone, except with `all`: then what is left in the cgroup is signalled
// when `shares_pid_namespace` (see kill_container) says so, and none is fine.
void signal_container(const InitProcess& init, cgroup::Manager* cg, int sig, bool all,
                      const std::function<bool()>& shares_pid_namespace = nullptr);

// SIGKILL to every process of the container; returns once the init is gone
// (reaped when it is our child).  With the init already gone, its pid
// namespace (if the container made one) went with it; otherwise exec'd
// processes may be left in the cgroup and are killed when
// `shares_pid_namespace` (asked only then) says so.
void kill_container(const InitProcess& init, cgroup::Manager* cg,
                    const std::function<bool()>& shares_pid_namespace = nullptr);

// The container's processes (those kill_container signals: started since
// its init, in its pid namespace) still in `cg`: after kill_container, those
// SIGKILL has not ended yet, stuck in the kernel.  None once the init is
// gone or its start time is unknown: then which are ours cannot be told.
std::vector<pid_t> container_processes_left(const InitProcess& init, const cgroup::Manager& cg);

}  // namespace minirun::runtime
