// The container lifecycle as runc drives it: create (init blocked on the exec
// fifo), start, delete.  `run` is create + start + wait, in cli/run.cpp.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "cgroup/cgroup.h"

#include "runtime/seccomp/seccomp.h"
#include "runtime/state.h"
#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

struct CreateOptions {
  std::string id;
  std::string bundle;          // as given; made absolute here
  std::string console_socket;  // --console-socket
  std::string pid_file;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  bool foreground = false;  // `run` without -d: we stay the init's parent
  // `run`: the init execs as soon as it is ready instead of blocking on the
  // exec fifo for a `start`; the caller then calls started_by_create().
  bool start_at_once = false;
  bool systemd_cgroup = false;  // --systemd-cgroup: the cgroup is a systemd scope
};

struct Created {
  ContainerState state;
  UniqueFd console_master;  // foreground terminal runs only
};

Created create_container(const StateStore& store, const CreateOptions& opts);

// Releases the init blocked on the exec fifo, then runs poststart hooks.
void start_container(const StateStore& store, const ContainerState& state);
// What start_container does after the fifo, for a create with start_at_once
// (the init did not wait): the fifo goes (status running), poststart hooks.
void started_by_create(const StateStore& store, const ContainerState& state);

// The container's cgroup manager from its state (the systemd driver's when
// create used it); null when it has no cgroup.  Runs nothing.
std::unique_ptr<cgroup::Manager> container_cgroup(const ContainerState& state);

// Kills what is left, runs poststop hooks, removes cgroups, network and the
// state dir.  Safe on a half-created container.
void destroy_container(const StateStore& store, const ContainerState& state);

// delete --force of a container whose state.json is unreadable (torn or
// edited): its cgroup and network are found from the config.json saved at
// create, everything in that cgroup (the container's own: create refused
// one with processes) is killed, then all is removed as above.
void destroy_torn_container(const StateStore& store, const std::string& id);

// Whether the container's processes live in a pid namespace that outlives
// its init (the host's, or one joined by path), from the saved config;
// false when that cannot be read.
bool shares_pid_namespace(const StateStore& store, const std::string& id);

// The config copy kept in the state dir (for exec, update, hooks).
std::string saved_config_path(const StateStore& store, const std::string& id);
spec::Spec load_saved_spec(const StateStore& store, const std::string& id);
// The same, compiling (or loading the cached) linux.seccomp: see seccomp/seccomp.h.
spec::Spec load_saved_spec(const StateStore& store, const std::string& id, SeccompProgram& seccomp);
std::string seccomp_cache_dir(const StateStore& store);

}  // namespace minirun::runtime
