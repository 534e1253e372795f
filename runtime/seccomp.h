// linux.seccomp -> BPF (libseccomp), cached under --root by a hash of the
// seccomp section so repeated runs skip compiling it.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "spec/spec.h"

namespace minirun::runtime {

struct SeccompProgram {
  std::vector<struct sock_filter> filter;
  unsigned flags = 0;   // SECCOMP_FILTER_FLAG_*
  bool notify = false;  // uses SCMP_ACT_NOTIFY: needs a listener fd
  bool from_cache = false;
};

// Compiles (or loads from cache_dir/<hash>.bpf).  cache_dir "" disables the
// cache.  Errors name the field: "linux.seccomp.syscalls[2].action: ...".
SeccompProgram compile_seccomp(const spec::Seccomp& s, const std::string& cache_dir);

// seccomp(SECCOMP_SET_MODE_FILTER).  Returns the listener fd with notify, else -1.
int load_seccomp(const SeccompProgram& prog);

// Hands a NOTIFY listener fd to the agent at listener_path as runc does: one
// message on a unix stream socket, the fd as SCM_RIGHTS and as payload the
// runtime-spec ContainerProcessState JSON ({"ociVersion", "fds":
// ["seccompFd"], "pid", "metadata", "state"}).  state_json: the OCI state.
void send_seccomp_listener(const spec::Seccomp& s, int listener_fd, pid_t pid, const std::string& state_json);

}  // namespace minirun::runtime
