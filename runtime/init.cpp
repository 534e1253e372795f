#include "runtime/init.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ns/ns.h"
#include "runtime/enter.h"
#include "runtime/fault.h"
#include "runtime/hooks.h"
#include "runtime/state.h"
#include "runtime/sync.h"

namespace minirun::runtime {

namespace {

void join_given_namespaces(const std::vector<JoinedNamespace>& joins) {
  // The user namespace first: joining the others needs its capabilities.
  for (const auto& j : joins)
    if (j.type == spec::NamespaceType::user) ns::join_namespace(j.fd, j.type);
  for (const auto& j : joins)
    if (j.type != spec::NamespaceType::user) ns::join_namespace(j.fd, j.type);
  for (const auto& j : joins) ::close(j.fd);
}

void enter_new_time_namespace(const std::map<std::string, spec::TimeOffset>& offsets) {
  // Offsets can only be written before any process is in the namespace:
  // create it for our children, set them, then move ourselves in.
  if (::unshare(CLONE_NEWTIME) != 0) throw_errno("unshare the time namespace");
  if (!offsets.empty()) {
    // Our pid in the host's /proc (still mounted here), not in our pid ns.
    char self[32] = {};
    if (::readlink("/proc/self", self, sizeof self - 1) <= 0) throw_errno("readlink /proc/self");
    ns::write_time_offsets(static_cast<pid_t>(std::atoi(self)), offsets);
  }
  UniqueFd fd(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
  if (!fd || ::setns(fd.get(), CLONE_NEWTIME) != 0) throw_errno("join the new time namespace");
}

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

void run_init(InitContext& ctx) {
  const spec::Spec& sp = *ctx.spec;
  const spec::Process& proc = *sp.process;
  if (ctx.unshare_net) {
    if (::unshare(CLONE_NEWNET) != 0) throw_errno("unshare the network namespace");
    if (ctx.report_netns) send_message(ctx.sync_fd, Stage::netns);
  }
  GoMessage go = receive_go(ctx.sync_fd);
  // Rootless with a new user namespace: the parent wrote our id maps, which
  // needed us dumpable; from here on nothing of the container may ptrace us
  // or open our /proc files.
  if (ctx.dumpable_until_go && ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE)");
  // Before anything the cgroup should account for; still with the host's
  // credentials and mounts.
  if (ctx.cgroup) with_context("cgroup", [&] { ctx.cgroup->join_self(ctx.cloned_into_cgroup); });
  const std::string& state = go.state;
  ctx.rootfs.generated_files = std::move(go.files);

  if (ctx.new_user_ns) {
    if (::setresgid(0, 0, 0) != 0) throw_errno("setgid 0 in the user namespace");
    if (::setresuid(0, 0, 0) != 0) throw_errno("setuid 0 in the user namespace");
  }
  join_given_namespaces(ctx.joins);
  if (ctx.new_time_ns) enter_new_time_namespace(sp.linux.time_offsets);
  if (ctx.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0) throw_errno("unshare the cgroup namespace");
  if (!sp.hostname.empty()) ns::set_hostname(sp.hostname);
  if (!sp.domainname.empty()) ns::set_domainname(sp.domainname);

  std::string root = with_context("rootfs", [&] { return rootfs::prepare(ctx.rootfs); });
  fault_point_in_init("init.rootfs", ctx.sync_fd);  // overlay and mounts made
  const auto& h = sp.hooks;
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

  Entry entry;
  entry.process = &proc;
  entry.seccomp = ctx.seccomp;
  entry.personality = sp.linux.personality;
  if (ctx.listen_fds > 0) entry.extra_env = {"LISTEN_FDS=" + std::to_string(ctx.listen_fds), "LISTEN_PID=1"};
  entry.sync_fd = ctx.sync_fd;
  entry.preserve_fds = ctx.preserve_fds;
  entry.setgroups_allowed = ctx.setgroups_allowed;
  entry.new_session = true;
  entry.keep_fds = {ctx.fifo_fd};
  UniqueFd fifo_writer;
  // As runc: user, capabilities, cwd and seccomp are final before the exec
  // fifo (it is 0622 for that), so a bad one fails create, and start only
  // releases the execve.
  entry.ready = [&] {
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
  entry.hold = [&] {
    // `run` starts it at once: no handshake on the fifo, the parent saves
    // the state while we exec.
    if (ctx.start_at_once) {
      ::close(ctx.fifo_fd);
    } else {
      fault_point_in_init("init.fifo", ctx.sync_fd);
      fifo_writer = wait_for_exec_fifo(ctx.fifo_fd);
    }
    if (!h.start_container.empty()) {
      // runc: the container is "created" when startContainer hooks run.
      auto created = nlohmann::ordered_json::parse(state);
      created["status"] = "created";
      run_hooks(h.start_container, created.dump(), "startContainer");
    }
    ::close(ctx.sync_fd);
  };
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
