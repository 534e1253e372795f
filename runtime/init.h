// The container init (the child side of create): private to runtime/.
#pragma once

#include <string>
#include <vector>

#include "cgroup/cgroup.h"
#include "ns/join.h"
#include "rootfs/rootfs.h"
#include "runtime/extensions.h"
#include "runtime/seccomp/seccomp.h"
#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

struct InitContext {
  const spec::Spec* spec = nullptr;
  rootfs::Options rootfs;
  std::vector<ns::NamespaceFd> joins;  // namespaces given by path (fds open)
  int sync_fd = -1;
  int fifo_fd = -1;  // O_PATH fd of the exec fifo
  const SeccompProgram* seccomp = nullptr;
  cgroup::Manager* cgroup = nullptr;  // the init joins it first (join_self)
  bool cloned_into_cgroup = false;    // born in its cgroup2 dir (clone3)
  bool start_at_once = false;  // `run`: exec after "ready", no exec fifo wait
  bool unshare_net = false;   // make the network namespace first thing (not a clone flag)
  bool report_netns = false;  // then tell the parent (bridge / none set it up)
  bool new_user_ns = false;
  bool new_cgroup_ns = false;
  bool new_time_ns = false;
  bool setgroups_allowed = true;
  int preserve_fds = 0;          // includes listen_fds
  int listen_fds = 0;            // LISTEN_FDS passed on (fds 3 .. 3+N-1), env LISTEN_FDS/LISTEN_PID=1
  bool parent_listening = true;  // until "ready": errors go over sync_fd
  // Rootless with a new user namespace: born dumpable so the parent can
  // write our id maps; non-dumpable from "go" on.  Otherwise non-dumpable
  // from birth (the parent clears the flag before clone).
  bool dumpable_until_go = false;
};

// Runs in the cloned child; never returns.  First closes every fd but the
// ones in this context; errors go to the parent as a Stage::error message
// (or to stderr once it stopped listening), then _exit(127).
[[noreturn]] void container_init(InitContext& ctx);

}  // namespace minirun::runtime
