// Terminals: the pty is made inside the container (its devpts), the master
// goes to whoever drives it (--console-socket, or `run` relaying it to the
// user's terminal), the slave becomes the process's stdio.
#pragma once

#include <sys/types.h>

#include <optional>

#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

struct Pty {
  UniqueFd master;
  UniqueFd slave;
};

// Opens /dev/ptmx of the current root, unlocks it and opens the peer
// (TIOCGPTPEER: no path lookup), checked to be a pty slave.
Pty open_pty(const std::optional<spec::ConsoleSize>& size);

// Makes the slave the controlling terminal and fds 0, 1, 2 (after setsid).
void attach_console(int slave);

// Makes the process's user the slave's owner, keeping its group (devpts's
// tty gid), as runc: a non-root user can then use its own terminal (mesg,
// `stat $(tty)`).  Only the pty made for the process: never a host file the
// caller passed as stdio.  Still as the runtime's root, before the user switch.
void give_console_to(int slave, uid_t uid);

// Parent side of a foreground process (`run`, `exec` without -d): forwards
// signals to `child`, relays the pty (raw mode on our terminal, window size
// follows), reaps, and returns the exit code (128+N for signal N).
// Call block_forwarded_signals() before forking the child.
void block_forwarded_signals();
void unblock_all_signals();  // in the child, before exec
int forward_and_wait(pid_t child, int pty_master);

}  // namespace minirun::runtime
