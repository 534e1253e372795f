#include "runtime/launcher.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cgroup/cgroup.h"
#include "ns/ns.h"
#include "runtime/companion.h"
#include "runtime/config_load.h"
#include "runtime/console.h"
#include "runtime/defaults.h"
#include "runtime/fault.h"
#include "runtime/files.h"
#include "runtime/firewall.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/signals.h"
#include "runtime/sync.h"
#include "spec/procfs.h"

namespace minirun::runtime {

using spec::NamespaceType;

std::string saved_config_path(const StateStore& store, const std::string& id) { return store.dir(id) + "/config.json"; }

spec::Spec load_saved_spec(const StateStore& store, const std::string& id) {
  return spec::parse_spec(read_owned_file(saved_config_path(store, id)), "config.json");
}

spec::Spec load_saved_spec(const StateStore& store, const std::string& id, SeccompProgram& seccomp) {
  return parse_spec_and_seccomp(read_owned_file(saved_config_path(store, id)), seccomp_cache_dir(store), seccomp);
}

std::string seccomp_cache_dir(const StateStore& store) { return store.root() + "/.seccomp-cache"; }

namespace {

std::string absolute(const std::string& path, const std::string& base) {
  std::string p = path.empty() || path[0] == '/' ? path : base + "/" + path;
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) throw_errno("stat " + p);
  return buf;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The namespaces to create (clone flags) and the ones to join (fds).
struct NamespacePlan {
  int clone_flags = 0;
  bool new_user = false, new_cgroup = false, new_time = false;
  std::vector<JoinedNamespace> joins;
  UniqueFd pid_ns;  // pid ns joined by path: entered around clone()
  std::vector<UniqueFd> owned;
};

void plan_namespaces(const spec::Spec& sp, const Extensions& x, NamespacePlan& plan) {
  for (const auto& n : sp.linux.namespaces) {
    if (x.network == Extensions::Network::path && n.type == NamespaceType::network) continue;
    if (!n.path.empty()) {
      UniqueFd fd = ns::open_namespace(n.path, n.type);
      if (n.type == NamespaceType::pid) {
        plan.pid_ns = std::move(fd);
      } else {
        plan.joins.push_back({n.type, fd.get()});
        plan.owned.push_back(std::move(fd));
      }
      continue;
    }
    switch (n.type) {
      case NamespaceType::cgroup:
        plan.new_cgroup = true;
        break;  // after joining the cgroup
      case NamespaceType::time:
        plan.new_time = true;
        break;  // the init unshares it, offsets first
      default:
        plan.clone_flags |= ns::clone_flag(n.type);
    }
    if (n.type == NamespaceType::user) plan.new_user = true;
  }
  if (x.network == Extensions::Network::path) {
    UniqueFd fd = ns::open_namespace(x.netns_path, NamespaceType::network);
    plan.joins.push_back({NamespaceType::network, fd.get()});
    plan.owned.push_back(std::move(fd));
  } else if (x.network != Extensions::Network::unset) {
    plan.clone_flags |= CLONE_NEWNET;
  }
}

// Any cgroup limit beyond the device rules (which a rootless container gets
// from its user namespace anyway: it cannot mknod).
bool asks_for_limits(const std::optional<spec::Resources>& r) {
  return r && (r->memory || r->cpu || r->pids || r->block_io || !r->hugepage_limits.empty() || r->network ||
               !r->rdma.empty() || !r->unified.empty());
}

// /etc/hosts, /etc/hostname, /etc/resolv.conf for a bridged container.
nlohmann::json network_files(const StateStore& store, const std::string& id, const std::string& hostname,
                             const ns::Lease& lease) {
  std::string name = hostname.empty() ? id : hostname;
  std::vector<std::pair<std::string, std::string>> files = {
      {"/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + lease.address + "\t" + name +
                         "\n" + lease.gateway + "\thost.minirun.internal\n"},
      {"/etc/hostname", name + "\n"},
      {"/etc/resolv.conf", "nameserver " + lease.gateway + "\n"}};
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [path, content] : files) {
    std::string host_file = store.dir(id) + "/" + path.substr(5);
    write_file(host_file, content);
    out.push_back({{"path", path}, {"content", content}, {"host_file", host_file}});
  }
  return out;
}

// What a "cgroup" mount binds on a v1 host: the init's dirs once it joined
// (ours if it has no cgroup), from the mount table the manager already read
// (the init need not reread it).
std::vector<rootfs::CgroupV1Hierarchy> cgroup_mount_sources(const cgroup::Manager* cg) {
  std::vector<rootfs::CgroupV1Hierarchy> out;
  for (auto& m : cg ? cg->v1_mounts() : cgroup::Manager::own_v1_mounts()) {
    std::sort(m.controllers.begin(), m.controllers.end());
    std::string subsystems;
    for (const auto& c : m.controllers) subsystems += (subsystems.empty() ? "" : ",") + c;
    out.push_back({m.mount_point, m.dir, subsystems});
  }
  return out;
}

// As root, the ephemeral upper and work dirs are on a tmpfs of their own
// (run.minirun.rootfs.overlay.size): a container filling its root gets ENOSPC
// there, not the host's --root (RAM itself on most hosts).  Its pages are
// charged to the writer's memory cgroup.  StateStore::remove_dir unmounts it.
// Rootless cannot mount on the host: the dirs stay in the state dir, under
// $XDG_RUNTIME_DIR, which has a size of its own.
std::string ephemeral_overlay_dir(const StateStore& store, const std::string& id, const Extensions& x) {
  const std::string fs = store.overlay_fs_path(id);
  if (::mkdir(fs.c_str(), 0700) != 0) throw_errno("mkdir " + fs);
  if (::geteuid() != 0) return fs;
  // Inodes cost kernel memory that size= does not count: one per 4 KiB.
  const int64_t inodes = std::max<int64_t>(x.overlay_size / 4096, 1024);
  const std::string data =
      "size=" + std::to_string(x.overlay_size) + ",nr_inodes=" + std::to_string(inodes) + ",mode=0700";
  if (::mount("tmpfs", fs.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0)
    throw_errno("overlay: mount tmpfs (" + data + ") on " + fs);
  return fs;
}

// The systemd driver's calls go to the minirun-systemd companion (sd-bus):
// only a container made with --systemd-cgroup pays its fork+exec.
cgroup::UnitCall systemd_unit_call() {
  return [](const std::string& verb, const std::string& request) {
    run_companion("minirun-systemd", {verb}, request);
  };
}

}  // namespace

std::unique_ptr<cgroup::Manager> container_cgroup(const ContainerState& st) {
  if (st.cgroup_paths.empty()) return nullptr;
  if (!st.systemd_unit.empty()) return cgroup::Manager::from_unit(st.systemd_unit, st.cgroup_paths, systemd_unit_call());
  return cgroup::Manager::from_paths(st.cgroup_paths);
}

Created create_container(const StateStore& store, const CreateOptions& opts) {
  validate_id(opts.id);
  // Before minirun opens anything that could take a preserved fd's number.
  const int listen_fds = socket_activation_fds();
  check_preserved_fds(listen_fds + opts.preserve_fds);
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) throw_errno("getcwd");
  std::string bundle = absolute(opts.bundle.empty() ? "." : opts.bundle, cwd);
  std::string config_text = read_file(bundle + "/config.json");
  SeccompProgram seccomp;
  std::vector<std::string> warnings;
  spec::Spec sp = parse_config_for_create(config_text, seccomp_cache_dir(store), seccomp, warnings);
  for (const auto& w : warnings) log_warning(w);
  if (debug_enabled()) log_debug("create " + opts.id + ": bundle " + bundle + ": config.json loaded");
  if (!sp.process) throw Error("config.json: process: must be set to create a container");
  check_lsm_labels(*sp.process);
  if (!sp.linux.has_namespace(NamespaceType::mount))
    throw Error("config.json: linux.namespaces: a mount namespace is required");
  Extensions x = parse_extensions(sp.annotations);
  std::string rootfs_path = sp.root.path[0] == '/' ? sp.root.path : bundle + "/" + sp.root.path;
  if (!is_dir(rootfs_path)) {
    if (::access(rootfs_path.c_str(), F_OK) != 0 && errno == ENOENT)
      throw Error("config.json: root.path: " + rootfs_path +
                      " does not exist: the bundle needs the container's root filesystem there",
                  ENOENT);
    throw Error("config.json: root.path: " + rootfs_path + " is not a directory", ENOTDIR);
  }
  if (!opts.console_socket.empty() && !sp.process->terminal)
    throw Error("--console-socket given but process.terminal is false");
  if (sp.process->terminal && opts.console_socket.empty() && !opts.foreground)
    throw Error("cannot allocate tty if minirun will detach without setting console socket");
  // The pty would be relayed from a stdin that never types (</dev/null, cron,
  // CI): the container's shell waits for its terminal forever.  runc fails
  // only without a controlling terminal (open /dev/tty); this also covers
  // `script` and ssh without -t.
  if (sp.process->terminal && opts.console_socket.empty() && opts.foreground && !::isatty(STDIN_FILENO))
    throw Error(
        "process.terminal is true but stdin is not a terminal: set \"terminal\": false in config.json, "
        "or use -d with --console-socket");

  store.create_dir(opts.id);
  ScopeGuard remove_state([&] { store.remove_dir(opts.id); });
  const std::string dir = store.dir(opts.id);
  write_file(saved_config_path(store, opts.id), config_text, 0, 0600);
  std::string fifo = store.fifo_path(opts.id);
  // 0622 whatever the umask: a container root mapped to another uid must be
  // able to open it for writing.
  if (::mkfifo(fifo.c_str(), 0622) != 0 || ::chmod(fifo.c_str(), 0622) != 0) throw_errno("mkfifo " + fifo);
  UniqueFd fifo_fd(::open(fifo.c_str(), O_PATH | O_CLOEXEC));
  if (!fifo_fd) throw_errno("open " + fifo);
  fault_point("create.state-dir");

  ContainerState st;
  st.id = opts.id;
  st.bundle = bundle;
  st.rootfs = rootfs_path;
  st.created = rfc3339_now();
  st.annotations = sp.annotations;
  st.poststart_hooks = !sp.hooks.poststart.empty();
  st.poststop_hooks = !sp.hooks.poststop.empty();

  NamespacePlan nsplan;
  plan_namespaces(sp, x, nsplan);
  if (debug_enabled()) {
    char flags[32];
    std::snprintf(flags, sizeof flags, "%#x", static_cast<unsigned>(nsplan.clone_flags));
    log_debug("create " + opts.id + ": namespaces: new (clone flags) " + flags + ", " +
              std::to_string(nsplan.joins.size()) + " joined by path");
  }
  // As root the cgroup is made after the clone, while the init creates its
  // network namespace: the two costliest steps of a create (~1.2 ms each
  // here) overlap.  The init is born in the cgroup2 dir (made first) and
  // joins the rest only once the parent says "go".  Rootless, the cgroup
  // comes first: whether there is one decides how the init is placed.
  // systemd moves the init into the scope it starts: after the clone too.
  const bool cgroup_after_clone = ::geteuid() == 0 && !nsplan.new_user;
  if (opts.systemd_cgroup && !cgroup_after_clone)
    throw Error("--systemd-cgroup: not supported for a rootless container or one with a new user namespace");
  auto cg = opts.systemd_cgroup ? cgroup::Manager::for_systemd(sp.linux.cgroups_path, opts.id, sp.annotations,
                                                               systemd_unit_call())
                                : cgroup::Manager::for_container(sp.linux.cgroups_path, opts.id);
  ScopeGuard remove_cgroup([&] {
    if (cg) cg->destroy();
  });
  // Recorded before any of it exists: a minirun killed from here on leaves
  // a state `delete --force` undoes (the init dies with us until commit).
  st.creating = true;
  st.cgroup_paths = cg->paths();
  if (x.network == Extensions::Network::bridge) st.lease = ns::planned_lease(opts.id, x.bridge);
  store.save(st);
  const spec::Resources resources = resources_with_default_devices(sp.linux.resources);
  bool cgroup_made = false;  // only then is what is in it the container's
  auto make_cgroup = [&] {
    with_context("cgroup", [&] {
      cg->create();
      cgroup_made = true;
      cg->apply(resources);
      if (debug_enabled()) log_debug("create " + opts.id + ": cgroup made: " + nlohmann::json(cg->paths()).dump());
    });
  };
  if (cgroup_after_clone) {
    with_context("cgroup", [&] { cg->create_clone_dir(); });
  } else {
    try {
      make_cgroup();
    } catch (const Error& e) {
      // Rootless as runc: without a writable (delegated) cgroup the container
      // runs in ours, unless it asked for limits that need one.
      bool denied = e.error_number() == EACCES || e.error_number() == EPERM || e.error_number() == EROFS;
      if (::geteuid() == 0 || !denied) throw;
      if (asks_for_limits(sp.linux.resources))
        throw Error("rootless: linux.resources needs a cgroup this user may write (delegated): " + std::string(e.what()),
                    e.error_number());
      log_debug("rootless: no cgroup for the container: " + std::string(e.what()));
      cg->destroy();
      cg.reset();
    }
  }
  fault_point("create.cgroup-dir");

  InitContext ctx;
  ctx.spec = &sp;
  ctx.rootfs = rootfs_options(sp, bundle, rootfs_path);
  ctx.rootfs.no_pivot = opts.no_pivot;
  if (x.overlay) {
    rootfs::Overlay ov;
    ov.lower = x.overlay_lower;
    ov.lower.push_back(rootfs_path);
    const std::string ephemeral = x.overlay_upper.empty() ? ephemeral_overlay_dir(store, opts.id, x) : "";
    ov.upper = x.overlay_upper.empty() ? ephemeral + "/upper" : x.overlay_upper;
    ov.work = !x.overlay_work.empty()   ? x.overlay_work
              : x.overlay_upper.empty() ? ephemeral + "/work"
                                        : x.overlay_upper + "/../work";
    ov.target = dir + "/merged";
    for (const auto& d : {ov.upper, ov.work, ov.target})
      if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + d);
    ctx.rootfs.overlay = ov;
    st.overlay = true;
    st.persistent_upper = !x.overlay_upper.empty();
  }
  // The init unshares the network namespace itself, in parallel with make_cgroup.
  ctx.unshare_net = cgroup_after_clone && (nsplan.clone_flags & CLONE_NEWNET);
  if (ctx.unshare_net) nsplan.clone_flags &= ~CLONE_NEWNET;
  ctx.report_netns = ctx.unshare_net && x.network != Extensions::Network::unset;
  ctx.joins = nsplan.joins;
  ctx.new_user_ns = nsplan.new_user;
  ctx.new_cgroup_ns = nsplan.new_cgroup;
  ctx.new_time_ns = nsplan.new_time;
  ctx.rootfs.in_user_namespace = nsplan.new_user || sp.linux.find_namespace(NamespaceType::user);
  ctx.rootfs.new_cgroup_namespace = nsplan.new_cgroup;
  // Opened while we are host root: the init, in its user namespace, may not
  // be able to walk to them.  Ours are closed when this function returns.
  std::vector<UniqueFd> bind_trees;
  if (ctx.rootfs.in_user_namespace && ::geteuid() == 0) bind_trees = rootfs::open_bind_sources(ctx.rootfs);
  ctx.setgroups_allowed = ::geteuid() == 0 || !nsplan.new_user;
  ctx.terminal = sp.process->terminal;
  ctx.preserve_fds = listen_fds + opts.preserve_fds;
  ctx.listen_fds = listen_fds;
  ctx.seccomp = sp.linux.seccomp ? &seccomp : nullptr;
  ctx.fifo_fd = fifo_fd.get();
  ctx.start_at_once = opts.start_at_once;

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
  UniqueFd parent_sock(sv[0]), child_sock(sv[1]);
  ctx.sync_fd = child_sock.get();
  if (opts.foreground) block_forwarded_signals();

  // The init is born in the cgroup2 dir and moves itself into the v1 ones:
  // no migration of another process, which would wait for an RCU grace period.
  UniqueFd cgroup_fd(cg ? cg->clone_into_fd() : -1);
  ctx.cgroup = cg.get();
  // The init is a clone of this process: non-dumpable from birth, so nothing
  // in the container can ptrace it or open its /proc/PID/{exe,fd,root}
  // (CVE-2019-5736) before its execve makes it the container's process.
  // Rootless with a new user namespace, we must write its id maps first: it
  // clears the flag itself on "go".
  ctx.dumpable_until_go = nsplan.new_user && ::geteuid() != 0;
  if (!ctx.dumpable_until_go && ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE)");
  ctx.rootfs.cgroup_v1 = cgroup_mount_sources(cg.get());
  pid_t pid = with_context("the container init", [&] {
    try {
      return ns::clone_process(nsplan.clone_flags, cgroup_fd.get(), ctx.cloned_into_cgroup, nsplan.pid_ns.get());
    } catch (const Error& e) {
      if (e.error_number() != EPERM || ::geteuid() == 0 || nsplan.new_user) throw;
      throw Error(std::string(e.what()) +
                      ": new namespaces need root, or a user namespace mapping your uid; "
                      "for a container of your own run `minirun spec --rootless`",
                  EPERM);
    }
  });
  if (pid == 0) {
    parent_sock.reset();
    container_init(ctx);
  }
  child_sock.reset();
  cgroup_fd.reset();
  if (debug_enabled()) log_debug("create " + opts.id + ": init pid " + std::to_string(pid));
  ScopeGuard kill_init([&] { kill_container({pid, 0}, cgroup_made ? cg.get() : nullptr); });
  st.pid = pid;
  fault_point("create.clone", pid);
  if (cgroup_after_clone) {
    cg->set_first_process(pid);
    make_cgroup();
  }
  fault_point("create.cgroup", pid);
  st.cgroup_paths.clear();
  if (cg) {
    st.systemd_unit = cg->unit();
    st.cgroup_paths = cg->paths();
    st.cgroup_made_parents = cg->made_parents();
    st.oom_kills_at_create = cg->oom_kill_count();
  }
  st.start_time = process_start_time(pid);
  store.save(st);  // the init, and the cgroup dirs' parents made for it

  Created out;
  std::optional<ns::Lease> lease;
  NftFirewall firewall;
  ScopeGuard release_network([&] {
    if (lease) ns::teardown_bridge(*lease, store.root(), firewall);
  });
  auto hook_state = [&] { return state_json(st, Status::creating, false); };
  {
    if (nsplan.new_user) ns::write_id_maps(pid, sp.linux.uid_mappings, sp.linux.gid_mappings, ::geteuid() != 0);
    if (sp.process->oom_score_adj)
      procfs::write_file(std::to_string(pid) + "/oom_score_adj", std::to_string(*sp.process->oom_score_adj));
    nlohmann::json files = nlohmann::json::array();
    if (ctx.report_netns) {
      Message m = receive_message(parent_sock.get(), "its network namespace was made");
      if (m.stage != Stage::netns) throw Error("container init: unexpected message before its network namespace");
    }
    if (x.network == Extensions::Network::bridge) {
      lease = ns::setup_bridge(pid, opts.id, x.bridge, store.root(), firewall);  // errors say "network: ..."
      st.lease = lease;
      files = network_files(store, opts.id, sp.hostname, *lease);
    } else if (x.network == Extensions::Network::none) {
      with_context("network", [&] { ns::loopback_up(pid); });
    }
    fault_point("create.network", pid);
    try {
      send_message(parent_sock.get(), Stage::go, nlohmann::json{{"state", hook_state()}, {"files", files}}.dump());
    } catch (const Error&) {
      receive_message(parent_sock.get(), "go");  // the init's own error, if it left one before dying
      throw;
    }
    for (;;) {
      Message m = receive_message(parent_sock.get(), "the container was ready");
      if (m.stage == Stage::hooks) {
        // In the runtime's namespaces, with the bundle as cwd (runc runs in it).
        std::string s = hook_state();
        run_hooks(sp.hooks.prestart, s, "prestart", bundle);
        run_hooks(sp.hooks.create_runtime, s, "createRuntime", bundle);
        send_message(parent_sock.get(), Stage::hooks_done);
      } else if (m.stage == Stage::console) {
        if (!opts.console_socket.empty()) {
          send_fd_to_path(opts.console_socket, m.fd.get(), "/dev/ptmx");
        } else {
          out.console_master = std::move(m.fd);
        }
      } else if (m.stage == Stage::seccomp_listener) {
        send_seccomp_listener(*sp.linux.seccomp, m.fd.get(), pid, hook_state());
      } else if (m.stage == Stage::ready) {
        break;
      }
    }
    fault_point("create.ready", pid);
    if (opts.start_at_once) ::unlink(fifo.c_str());  // it is exec'ing: running, not created
    st.creating = false;
    store.save(st);
    fault_point("create.state", pid);
    // Only now may the init outlive us: it drops its parent-death signal,
    // and we wait until it has (our exit would kill it otherwise).
    try {
      send_message(parent_sock.get(), Stage::committed);
      receive_message(parent_sock.get(), "committed_ack");
    } catch (const Error& e) {
      throw Error("container init exited before it was told the container is created", e.error_number());
    }
    write_pid_file(opts.pid_file, pid);
    // `run`'s poststart hooks wait for the execve, as start's do: the init's
    // end of the socket is close-on-exec, so EOF on ours means it exec'd.
    if (opts.start_at_once && st.poststart_hooks) {
      Message none;
      while (receive_until_exec(parent_sock.get(), none)) {
      }
    }
  }
  kill_init.dismiss();
  release_network.dismiss();
  remove_cgroup.dismiss();
  remove_state.dismiss();
  out.state = st;
  return out;
}

void start_container(const StateStore& store, const ContainerState& st) {
  Status s = current_status(store, st);
  if (s == Status::stopped) throw Error("cannot start a container that has stopped");
  if (s == Status::creating) throw Error("cannot start a container that is still being created");
  if (s != Status::created) throw Error("cannot start an already running container");
  std::string fifo = store.fifo_path(st.id);
  UniqueFd r(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!r) throw_errno("open exec fifo " + fifo);
  fault_point("start.fifo", st.pid);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, st.pid, 0)));
  // Wait for the init's byte, or for the init to die.
  for (;;) {
    struct pollfd fds[2] = {{r.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll exec fifo");
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) break;
    if (fds[1].revents & POLLIN) throw Error("container init exited before start");
  }
  char c;
  if (::read(r.get(), &c, 1) != 1) throw Error("container init exited before start");
  fault_point("start.released", st.pid);
  // The spec runs poststart after the process is executed: the init holds
  // the fifo's write end close-on-exec (through startContainer hooks too),
  // so EOF means it has exec'd, or died.
  if (st.poststart_hooks) {
    struct pollfd fd = {r.get(), POLLIN, 0};
    for (ssize_t n; (n = ::read(r.get(), &c, 1)) != 0;) {
      if (n < 0 && errno != EAGAIN && errno != EINTR) throw_errno("read exec fifo");
      if (n < 0) ::poll(&fd, 1, -1);
    }
  }
  started_by_create(store, st);
}

void started_by_create(const StateStore& store, const ContainerState& st) {
  ::unlink(store.fifo_path(st.id).c_str());
  if (st.poststart_hooks) {
    spec::Spec sp = load_saved_spec(store, st.id);
    try {
      run_hooks(sp.hooks.poststart, state_json(st, Status::running, false), "poststart");
    } catch (const Error&) {
      // runc: a failed poststart stops the container (and waits for it to
      // be gone); delete cleans up.
      auto cg = container_cgroup(st);
      kill_container({st.pid, st.start_time}, cg.get());
      throw;
    }
  }
}

void destroy_torn_container(const StateStore& store, const std::string& id) {
  ContainerState st;
  st.id = id;
  try {
    spec::Spec sp = load_saved_spec(store, id);
    auto cg = cgroup::Manager::for_container(sp.linux.cgroups_path, id);
    try {
      cg->kill_all(SIGKILL, nullptr);
    } catch (const Error&) {
      // No cgroup: nothing of the container runs.
    }
    st.cgroup_paths = cg->paths();
    Extensions x = parse_extensions(sp.annotations);
    if (x.network == Extensions::Network::bridge) st.lease = ns::planned_lease(id, x.bridge);
  } catch (const Error& e) {
    log_warning("delete " + id + ": " + e.what());
  }
  destroy_container(store, st);
}

bool shares_pid_namespace(const StateStore& store, const std::string& id) {
  try {
    spec::Spec sp = load_saved_spec(store, id);
    const spec::Namespace* pid_ns = sp.linux.find_namespace(NamespaceType::pid);
    return !pid_ns || !pid_ns->path.empty();
  } catch (const Error&) {
    return false;
  }
}

void destroy_container(const StateStore& store, const ContainerState& st) {
  if (debug_enabled()) log_debug("delete " + st.id + ": killing what is left of pid " + std::to_string(st.pid));
  auto cg = container_cgroup(st);
  kill_container({st.pid, st.start_time}, cg.get(), [&] { return shares_pid_namespace(store, st.id); });
  fault_point("delete.killed");
  if (st.poststop_hooks) {
    try {
      spec::Spec sp = load_saved_spec(store, st.id);
      run_hooks(sp.hooks.poststop, state_json(st, Status::stopped, false), "poststop");
    } catch (const Error& e) {
      log_warning("delete " + st.id + ": " + e.what());
    }
  }
  if (cg) {
    try {
      cg->destroy();
    } catch (const Error& e) {
      // Someone else's processes keep it: theirs to remove, not ours to kill.
      log_warning("delete " + st.id + ": " + e.what());
    }
    if (debug_enabled()) log_debug("delete " + st.id + ": cgroup removed");
  }
  fault_point("delete.cgroup");
  cgroup::remove_made_parents(st.cgroup_made_parents);
  if (st.lease) {
    NftFirewall firewall;
    ns::teardown_bridge(*st.lease, store.root(), firewall);
  }
  fault_point("delete.network");
  store.remove_dir(st.id);
  if (debug_enabled()) log_debug("delete " + st.id + ": state removed: " + store.dir(st.id));
}

}  // namespace minirun::runtime
