// linux.seccomp -> BPF (libseccomp), cached under --root by the seccomp
// section's text so repeated runs skip parsing and compiling it.
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

// Parses a config.json text and compiles its linux.seccomp into `seccomp`
// (left empty without one).  Filters are cached under cache_dir ("" for
// none) by the raw bytes of linux.seccomp, which the cache file holds too;
// on a hit the section is not parsed again: spec.linux.seccomp is then set
// but empty, unless the filter has a NOTIFY listener (its path is needed).
// Errors name the field: "config.json: linux.seccomp.syscalls[2].action: ...".
spec::Spec parse_spec_and_seccomp(const std::string& config_text, const std::string& cache_dir,
                                  SeccompProgram& seccomp);

// seccomp(SECCOMP_SET_MODE_FILTER).  Returns the listener fd with notify, else -1.
int load_seccomp(const SeccompProgram& prog);

// Hands a NOTIFY listener fd to the agent at listener_path as runc does: one
// message on a unix stream socket, the fd as SCM_RIGHTS and as payload the
// runtime-spec ContainerProcessState JSON ({"ociVersion", "fds":
// ["seccompFd"], "pid", "metadata", "state"}).  state_json: the OCI state.
void send_seccomp_listener(const spec::Seccomp& s, int listener_fd, pid_t pid, const std::string& state_json);

}  // namespace minirun::runtime
