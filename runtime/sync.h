// Parent <-> container init stages over a SOCK_SEQPACKET socketpair.  Each
// message is one packet: a type byte, a payload, and at most one fd.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rootfs/rootfs.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

enum class Stage : unsigned char {
  go = 1,                // parent -> init: ids mapped, cgroup joined, network ready; payload: state JSON
  hooks = 2,             // init -> parent: rootfs prepared, run prestart/createRuntime
  hooks_done = 3,        // parent -> init
  console = 4,           // init -> parent: the pty master (fd)
  ready = 5,             // init -> parent: about to block on the exec fifo
  error = 6,             // init -> parent: payload is the error line
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

// Stage::go of a create: what the init needs once the parent has set up its
// namespaces, cgroup and network.  (exec's "go" carries nothing.)
struct GoMessage {
  std::string state;                         // the state JSON the init's hooks get
  std::vector<rootfs::GeneratedFile> files;  // /etc/hosts, ... of a bridged container
};

// The init's side: waits for "go" and decodes it.
GoMessage receive_go(int sock);

// The parent's side of the protocol with the container init (create) or
// the exec helper: one SOCK_SEQPACKET socketpair, the child's end given to
// the clone.  Messages a handler is not set for are ignored.
class InitChannel {
 public:
  struct Handlers {
    std::function<void()> hooks;  // run prestart/createRuntime; "hooks_done" is sent after it
    std::function<void(UniqueFd)> console;           // the pty master
    std::function<void(UniqueFd)> seccomp_listener;  // the SCMP_ACT_NOTIFY listener
  };

  InitChannel();  // the socketpair, close-on-exec
  int child_fd() const { return child_.get(); }
  void close_parent_end() { parent_.reset(); }  // in the clone
  void close_child_end() { child_.reset(); }    // in the parent, once cloned

  // The init unshared its network namespace (create, report_netns).
  void wait_for_netns();
  // Create's "go"; if the init is gone, its own error when it left one.
  void send_go(const GoMessage& go);
  // Exec's "go": no payload, and a send error is the error.
  void send_go();
  // Until the init says "ready" (create).
  void serve_until_ready(const Handlers& h);
  // State.json names the container: the init may outlive us once it has
  // said so (its parent-death signal is off).
  void commit();
  // Until the peer exec'd (EOF on the close-on-exec socket).
  void serve_until_exec(const Handlers& h);

 private:
  void dispatch(const Handlers& h, Message& m);
  UniqueFd parent_, child_;
};

// Sends fd over a connected unix socket / to a unix socket path
// (--console-socket), as runc does.
void send_fd_to_path(const std::string& socket_path, int fd, const std::string& name);

}  // namespace minirun::runtime
