// Named crash points for the fault tests (tests/fault/, issue 17): with
// MINIRUN_FAULT=<point> in the environment, the runtime SIGKILLs itself when
// it reaches <point>; with MINIRUN_FAULT=<point>:init it SIGKILLs the
// container's init there instead and goes on.  Either way it first writes
// "minirun: fault <point>" to stderr, so a test knows the point was reached.
//
// Compiled into every build, not behind a CMake option: the tests then prove
// the binary people ship.  The cost is one getenv() per process, on the first
// point reached (the answer is kept); every later point is a load and a
// branch.  Without the variable nothing else happens.
#pragma once

#include <sys/types.h>

namespace minirun::runtime {

// In minirun itself; `init` is the container init's pid (host view), 0
// before there is one (then ":init" does nothing).
void fault_point(const char* point, pid_t init = 0);
// The same from inside the container init.  It cannot SIGKILL itself as its
// pid namespace's pid 1, so it _exit()s at once instead; nor can it name
// minirun's pid from there, so it asks minirun over the sync socket, and
// minirun SIGKILLs itself when it reads that (fault_kill_self()).
void fault_point_in_init(const char* point, int sync_fd);
[[noreturn]] void fault_kill_self();

}  // namespace minirun::runtime
