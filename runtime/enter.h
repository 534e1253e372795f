// The one way into a container.  The init (create) and the exec helper each
// get into the container's namespaces, cgroup and root their own way, then
// build an Entry and hand over: console, limits, the executable looked up
// inside the root, credentials, capabilities, seccomp, fds and execve happen
// here only, so each protection exists once (DESIGN.md, "Security model").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/seccomp/seccomp.h"
#include "spec/spec.h"

namespace minirun::runtime {

struct Entry {
  const spec::Process* process = nullptr;
  const SeccompProgram* seccomp = nullptr;  // null: none
  std::optional<spec::Personality> personality;
  std::vector<std::string> extra_env;  // LISTEN_FDS, LISTEN_PID
  int sync_fd = -1;                    // the parent: console, NOTIFY listener, errors
  int preserve_fds = 0;                // fds 3 .. 3+N-1 go on into the container
  bool setgroups_allowed = true;       // false in a rootless user namespace
  bool new_session = false;            // setsid even without a terminal (the init)
  // fds besides sync_fd that `hold` still needs (the exec fifo): each a
  // socket, fifo or pipe that leads nowhere, close-on-exec.
  std::vector<int> keep_fds;
  // The init tells the parent it is ready: with the final credentials, just
  // before a no_new_privs filter is loaded (so the profile need not allow
  // sendmsg; loading it cannot fail on a filter that compiled).
  std::function<void()> ready;
  // Runs with the seccomp filter in force, just before execve: the init
  // waits for `start` and runs the startContainer hooks here.
  std::function<void()> hold;
};

// Never returns: execve, or an Error thrown.
[[noreturn]] void enter_container(Entry& e);

// Closes (not just marks close-on-exec) every fd but 0-2, the preserved
// 3 .. 3+preserve_fds-1 and `keep`.  First thing in a cloned child: nothing
// the runtime opened on the host may be reachable from the container, by
// /proc/PID/fd or by execve (CVE-2024-21626).
void close_fds_except(int preserve_fds, std::vector<int> keep);

}  // namespace minirun::runtime
