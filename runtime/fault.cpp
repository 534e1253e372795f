#include "runtime/fault.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime/sync.h"

namespace minirun::runtime {

namespace {

struct Fault {
  std::string point;      // "" when MINIRUN_FAULT is unset
  bool kill_init = false;  // ":init"
};

const Fault& configured_fault() {
  static const Fault fault = [] {
    Fault f;
    const char* v = std::getenv("MINIRUN_FAULT");
    if (!v || !*v) return f;
    f.point = v;
    auto colon = f.point.find(':');
    if (colon != std::string::npos) {
      f.kill_init = f.point.compare(colon + 1, std::string::npos, "init") == 0;
      f.point.resize(colon);
    }
    return f;
  }();
  return fault;
}

// Which process this point kills, or null when it is not the configured one.
const Fault* reached(const char* point) {
  const Fault& f = configured_fault();
  if (f.point.empty() || f.point != point) return nullptr;
  std::string line = std::string("minirun: fault ") + point + (f.kill_init ? ":init" : "") + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return &f;
}

}  // namespace

void fault_point(const char* point, pid_t init) {
  const Fault* f = reached(point);
  if (!f) return;
  if (!f->kill_init) {
    fault_kill_self();
  } else if (init > 0) {
    ::kill(init, SIGKILL);
  }
}

void fault_point_in_init(const char* point, int sync_fd) {
  const Fault* f = reached(point);
  if (!f) return;
  if (f->kill_init) ::_exit(128 + SIGKILL);  // SIGKILL from itself is ignored by a pid ns's init
  send_message(sync_fd, Stage::fault);
}

void fault_kill_self() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(128 + SIGKILL);  // not reached
}

}  // namespace minirun::runtime
