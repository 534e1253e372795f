// The last steps before execve, shared by the container init and `exec`:
// user, capabilities (libcap), rlimits, no_new_privs, seccomp, fds, cwd.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime/seccomp/seccomp.h"
#include "spec/spec.h"

namespace minirun::runtime {

// Finds args[0] in the process's PATH (its env, or runc's default), inside
// the current root: no candidate may pass through a /proc magic link (such
// as /proc/self/fd/N, which could lead to an fd opened outside the root).
// Throws `exec "foo": executable file not found in $PATH`.
std::string find_executable(const spec::Process& p);

// The env execve gets: the config's, plus HOME from the container's
// /etc/passwd when unset (as runc), plus extras (e.g. LISTEN_FDS).
std::vector<std::string> process_environment(const spec::Process& p);

// rlimits, scheduler, ioPriority, personality, initial cpu affinity.
void apply_process_limits(const spec::Process& p);

// LISTEN_FDS when LISTEN_PID is this process (systemd socket activation, as
// runc passes them on), else 0.
int socket_activation_fds();
// fds 3 .. 3+count-1 must be open, or minirun's own fds would take their
// numbers and reach the container: "--preserve-fds: fd 4 is not open".
void check_preserved_fds(int count);

// process.apparmorProfile / selinuxLabel as runc: refused when the host has
// no such LSM ("process.selinuxLabel: selinux label is specified in config,
// but selinux is disabled or not supported"); otherwise set for the execve.
void check_lsm_labels(const spec::Process& p);

// linux.personality: LINUX or LINUX32 (flags have no meaning yet, as runc).
void apply_personality(const spec::Personality& p);

struct ExecPlan {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  const SeccompProgram* seccomp = nullptr;  // null: none
  bool setgroups_allowed = true;            // false in a rootless user namespace
  bool seccomp_loaded = false;              // load_remaining_seccomp() or finalize_process() did it
  int listener_sock = -1;                   // where a NOTIFY listener fd goes (Stage::seccomp_listener)
};

// Drops to the configured user and capability sets, sets umask, cwd (checked
// to be inside the root), no_new_privs.  Without no_new_privs it loads the
// seccomp filter first (that needs CAP_SYS_ADMIN, as runc).
void finalize_process(const spec::Process& p, ExecPlan& plan);
// Loads the filter if nothing did yet: with no_new_privs, after
// finalize_process, and before anything of the image runs (the init's wait
// for `start` and its startContainer hooks included); with a NOTIFY rule,
// early, while the parent still listens for the listener fd.
void load_remaining_seccomp(ExecPlan& plan);
// execve; returns only by throwing.
[[noreturn]] void exec_process(const ExecPlan& plan);

}  // namespace minirun::runtime
