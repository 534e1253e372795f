// Parent <-> container init stages over a SOCK_SEQPACKET socketpair.  Each
// message is one packet: a type byte, a payload, and at most one fd.
#pragma once

#include <string>

#include "spec/unique_fd.h"

namespace minirun::runtime {

enum class Stage : unsigned char {
  go = 1,                // parent -> init: ids mapped, cgroup joined, network ready; payload: state JSON
  hooks = 2,             // init -> parent: rootfs prepared, run prestart/createRuntime
  hooks_done = 3,        // parent -> init
  console = 4,           // init -> parent: the pty master (fd)
  ready = 5,             // init -> parent: about to block on the exec fifo
  error = 6,             // init -> parent: payload is the error line
  exec_pid = 7,          // exec child -> parent: payload is the pid in the container
  seccomp_listener = 8,  // init/exec child -> parent: the SCMP_ACT_NOTIFY listener fd, for listenerPath
  netns = 9,             // init -> parent: its network namespace exists (it unshared it), set it up
  fault = 10,            // init -> parent: a fault point (fault.h) asks the parent to SIGKILL itself
  committed = 11,        // parent -> init: state.json names the container, the init may outlive the parent
  committed_ack = 12,    // init -> parent: its parent-death signal is off, the parent may exit
};

struct Message {
  Stage stage{};
  std::string payload;
  UniqueFd fd;
};

void send_message(int sock, Stage stage, const std::string& payload = {}, int fd = -1);
// Throws Error on EOF ("init exited before <expected>") or on an error message
// (its payload becomes the error).  `expect` names the awaited stage.
Message receive_message(int sock, const char* expect);
// The same, but EOF (the peer exec'd: the socket is close-on-exec) returns
// false instead of throwing.
bool receive_until_exec(int sock, Message& out);

// Sends fd over a connected unix socket / to a unix socket path
// (--console-socket), as runc does.
void send_fd_to_path(const std::string& socket_path, int fd, const std::string& name);

}  // namespace minirun::runtime
