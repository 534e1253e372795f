#include "runtime/init.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ns/join.h"
#include "ns/ns.h"
#include "runtime/enter.h"
#include "runtime/fault.h"
#include "runtime/hooks.h"
#include "runtime/state.h"
#include "runtime/sync.h"

namespace minirun::runtime {

namespace {

// Returns the fifo's write end, close-on-exec: `start` reads EOF on it once
// the process has been exec'd, and runs poststart hooks only then.
UniqueFd wait_for_exec_fifo(int fifo_fd) {
  // Reopen the fifo through our O_PATH fd: its path is outside our root now.
  std::string path = "/proc/self/fd/" + std::to_string(fifo_fd);
  UniqueFd w(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!w) throw_errno("open exec fifo");
  if (::write(w.get(), "0", 1) != 1) throw_errno("write exec fifo");
  ::close(fifo_fd);
  return w;
}

// After "go": the cgroup, then the namespaces the parent did not make at
// the clone, as root of a new user namespace.
void enter_namespaces(const InitContext& ctx) {
  const spec::Spec& sp = *ctx.spec;
  // Rootless with a new user namespace: the parent wrote our id maps, which
  // needed us dumpable; from here on nothing of the container may ptrace us
  // or open our /proc files.
  if (ctx.dumpable_until_go && ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE)");
  // Before anything the cgroup should account for; still with the host's
  // credentials and mounts.
  if (ctx.cgroup) with_context("cgroup", [&] { ctx.cgroup->join_self(ctx.cloned_into_cgroup); });
  if (ctx.new_user_ns) ns::become_root_in_user_namespace();
  ns::join_namespaces(ctx.joins);
  for (const auto& j : ctx.joins) ::close(j.fd);
  if (ctx.new_time_ns) ns::enter_new_time_namespace(sp.linux.time_offsets);
  if (ctx.new_cgroup_ns) ns::unshare_namespace(spec::NamespaceType::cgroup);
  if (!sp.hostname.empty()) ns::set_hostname(sp.hostname);
  if (!sp.domainname.empty()) ns::set_domainname(sp.domainname);
}

// The rootfs prepared, with the hooks that run around it, and entered.
void make_root(InitContext& ctx, const std::string& state) {
  std::string root = with_context("rootfs", [&] { return rootfs::prepare(ctx.rootfs); });
  fault_point_in_init("init.rootfs", ctx.sync_fd);  // overlay and mounts made
  const auto& h = ctx.spec->hooks;
  // prestart and createRuntime run in the runtime's namespaces (the parent).
  if (!h.prestart.empty() || !h.create_runtime.empty()) {
    send_message(ctx.sync_fd, Stage::hooks);
    receive_message(ctx.sync_fd, "hooks");
  }
  // createContainer, as the runtime spec and runc: in the container's mount
  // namespace, its mounts made, before pivot_root, in the rootfs; what such
  // a hook mounts there is the container's only.  Run by the init: nothing
  // else is in this namespace, and its host fds are long closed.
  run_hooks(h.create_container, state, "createContainer", root);
  with_context("rootfs", [&] { rootfs::enter(ctx.rootfs, root); });
  with_context("rootfs", [&] { rootfs::finish(ctx.rootfs); });
  fault_point_in_init("init.pivot", ctx.sync_fd);
}

// The init's way into enter_container: "ready" once its credentials are
// final, then the exec fifo (or not, for `run`) and startContainer hooks.
// The callbacks use ctx, state and fifo_writer: the caller's, alive until execve.
Entry init_entry(InitContext& ctx, const std::string& state, UniqueFd& fifo_writer) {
  const spec::Spec& sp = *ctx.spec;
  Entry entry;
  entry.process = &*sp.process;
  entry.seccomp = ctx.seccomp;
  entry.personality = sp.linux.personality;
  if (ctx.listen_fds > 0) entry.extra_env = {"LISTEN_FDS=" + std::to_string(ctx.listen_fds), "LISTEN_PID=1"};
  entry.sync_fd = ctx.sync_fd;
  entry.preserve_fds = ctx.preserve_fds;
  entry.setgroups_allowed = ctx.setgroups_allowed;
  entry.new_session = true;
  entry.keep_fds = {ctx.fifo_fd};
  // As runc: user, capabilities, cwd and seccomp are final before the exec
  // fifo (it is 0622 for that), so a bad one fails create, and start only
  // releases the execve.
  entry.ready = [&ctx] {
    // Each change of credentials since the clone (root of a user namespace,
    // process.user) cleared the parent-death signal: armed again until the
    // parent has recorded the container.  Under a seccomp profile that
    // denies prctl, the EOF below still notices a dead parent.
    const bool armed = ::prctl(PR_SET_PDEATHSIG, SIGKILL) == 0;
    send_message(ctx.sync_fd, Stage::ready);
    ctx.parent_listening = false;
    Message committed;
    // EOF: minirun died before any state named us; nothing could reach us.
    if (!receive_until_exec(ctx.sync_fd, committed)) ::_exit(127);
    if (armed && ::prctl(PR_SET_PDEATHSIG, 0) != 0) throw_errno("prctl(PR_SET_PDEATHSIG)");
    send_message(ctx.sync_fd, Stage::committed_ack);  // the parent must not exit before the prctl
  };
  entry.hold = [&ctx, &state, &fifo_writer] {
    // `run` starts it at once: no handshake on the fifo, the parent saves
    // the state while we exec.
    if (ctx.start_at_once) {
      ::close(ctx.fifo_fd);
    } else {
      fault_point_in_init("init.fifo", ctx.sync_fd);
      fifo_writer = wait_for_exec_fifo(ctx.fifo_fd);
    }
    if (!ctx.spec->hooks.start_container.empty()) {
      // runc: the container is "created" when startContainer hooks run.
      auto created = nlohmann::ordered_json::parse(state);
      created["status"] = "created";
      run_hooks(ctx.spec->hooks.start_container, created.dump(), "startContainer");
    }
    ::close(ctx.sync_fd);
  };
  return entry;
}

void run_init(InitContext& ctx) {
  if (ctx.unshare_net) {
    ns::unshare_namespace(spec::NamespaceType::network);
    if (ctx.report_netns) send_message(ctx.sync_fd, Stage::netns);
  }
  GoMessage go = receive_go(ctx.sync_fd);
  ctx.rootfs.generated_files = std::move(go.files);
  enter_namespaces(ctx);
  make_root(ctx, go.state);
  UniqueFd fifo_writer;
  Entry entry = init_entry(ctx, go.state, fifo_writer);
  enter_container(entry);
}

}  // namespace

void container_init(InitContext& ctx) {
  // Until minirun has recorded the container, the init dies with it (it is
  // single-threaded: its only thread is the "parent thread" the kernel
  // watches).  Had it died before this, "go" meets EOF and we exit.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::prctl(PR_SET_NAME, kInitProcessName);
  std::string error;
  try {
    std::vector<int> keep = {ctx.sync_fd, ctx.fifo_fd};
    for (const auto& j : ctx.joins) keep.push_back(j.fd);
    for (int tree : ctx.rootfs.bind_source_trees)
      if (tree >= 0) keep.push_back(tree);
    close_fds_except(ctx.preserve_fds, keep);
    run_init(ctx);
  } catch (const std::exception& e) {
    error = e.what();
  }
  // Before "ready" the parent prints it; after, only stderr is left.
  try {
    if (!ctx.parent_listening) throw Error("parent gone");
    send_message(ctx.sync_fd, Stage::error, error);
  } catch (...) {
    std::string line = "minirun: " + error + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
  ::_exit(127);
}

}  // namespace minirun::runtime
