// `exec`: a new process in a running container: joins the init's namespaces
// and cgroup, then the same final steps as the init.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/state.h"
#include "spec/spec.h"

namespace minirun::runtime {

struct ExecOptions {
  std::string id;
  std::string process_file;  // -p
  std::vector<std::string> args;
  bool tty = false;
  std::string console_socket;
  bool detach = false;
  std::string pid_file;
  std::string cwd;
  std::vector<std::string> env;
  std::string user;  // uid[:gid] or names from the container's /etc/passwd
  std::vector<uint32_t> additional_gids;
  std::vector<std::string> caps;
  bool no_new_privs = false;
  int preserve_fds = 0;
  bool ignore_paused = false;
};

// Returns the process's exit code (0 with detach).
int exec_in_container(const StateStore& store, const ExecOptions& o);

}  // namespace minirun::runtime
