#include "runtime/enter.h"

#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "runtime/console.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "spec/error.h"

namespace minirun::runtime {

namespace {

void close_range_or_throw(unsigned first, unsigned last) {
  if (first > last) return;
  if (::syscall(SYS_close_range, first, last, 0) != 0) throw_errno("close_range");
}

}  // namespace

void close_fds_except(int preserve_fds, std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned next = 3 + static_cast<unsigned>(preserve_fds);
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned>(fd) < next) continue;
    close_range_or_throw(next, static_cast<unsigned>(fd) - 1);
    next = static_cast<unsigned>(fd) + 1;
  }
  close_range_or_throw(next, ~0U);
  forget_log_file();
}

void enter_container(Entry& e) {
  const spec::Process& p = *e.process;
  if ((e.new_session || p.terminal) && ::setsid() < 0) throw_errno("setsid");
  if (p.terminal) {
    Pty pty = open_pty(p.console_size);
    send_message(e.sync_fd, Stage::console, "", pty.master.get());
    attach_console(pty.slave.get());
    give_console_to(pty.slave.get(), p.user.uid);
  }
  apply_process_limits(p);
  if (e.personality) apply_personality(*e.personality);

  ExecPlan plan;
  plan.path = find_executable(p);
  plan.argv = p.args;
  plan.envp = process_environment(p);
  plan.envp.insert(plan.envp.end(), e.extra_env.begin(), e.extra_env.end());
  plan.seccomp = e.seccomp;
  plan.setgroups_allowed = e.setgroups_allowed;
  plan.listener_sock = e.sync_fd;
  // A NOTIFY listener must reach the parent while it still listens.
  if (e.seccomp && e.seccomp->notify) load_remaining_seccomp(plan);
  std::vector<int> keep = e.keep_fds;
  keep.push_back(e.sync_fd);
  close_fds_except(e.preserve_fds, keep);
  finalize_process(p, plan);
  if (e.ready) e.ready();
  load_remaining_seccomp(plan);
  if (e.hold) e.hold();
  unblock_all_signals();
  exec_process(plan);
}

}  // namespace minirun::runtime
