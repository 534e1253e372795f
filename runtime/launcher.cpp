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
#include "runtime/launch_plan.h"
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

// The namespaces the plan joins by path, opened (and checked) in its order.
struct OpenedNamespaces {
  std::vector<ns::NamespaceFd> joins;
  UniqueFd pid_ns;  // entered around clone()
  std::vector<UniqueFd> owned;
};

OpenedNamespaces open_namespaces(const NamespacePlan& plan, const std::string& id) {
  OpenedNamespaces out;
  for (const auto& j : plan.joins) {
    UniqueFd fd = ns::open_namespace(j.path, j.type);
    if (j.type == NamespaceType::pid) {
      out.pid_ns = std::move(fd);
    } else {
      out.joins.push_back({j.type, fd.get()});
      out.owned.push_back(std::move(fd));
    }
  }
  if (debug_enabled()) {
    char flags[32];
    std::snprintf(flags, sizeof flags, "%#x", static_cast<unsigned>(plan.clone_flags));
    log_debug("create " + id + ": namespaces: new (clone flags) " + flags + ", " + std::to_string(out.joins.size()) +
              " joined by path");
  }
  return out;
}

// Any cgroup limit beyond the device rules (which a rootless container gets
// from its user namespace anyway: it cannot mknod).
bool asks_for_limits(const std::optional<spec::Resources>& r) {
  return r && (r->memory || r->cpu || r->pids || r->block_io || !r->hugepage_limits.empty() || r->network ||
               !r->rdma.empty() || !r->unified.empty());
}

// /etc/hosts, /etc/hostname, /etc/resolv.conf for a bridged container.
std::vector<rootfs::GeneratedFile> network_files(const StateStore& store, const std::string& id,
                                                 const std::string& hostname, const ns::Lease& lease) {
  std::string name = hostname.empty() ? id : hostname;
  std::vector<std::pair<std::string, std::string>> files = {
      {"/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + lease.address + "\t" + name +
                         "\n" + lease.gateway + "\thost.minirun.internal\n"},
      {"/etc/hostname", name + "\n"},
      {"/etc/resolv.conf", "nameserver " + lease.gateway + "\n"}};
  std::vector<rootfs::GeneratedFile> out;
  for (const auto& [path, content] : files) {
    std::string host_file = store.dir(id) + "/" + path.substr(5);
    write_file(host_file, content);
    out.push_back({path, content, host_file});
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
void make_overlay_dirs(const OverlayPlan& p, ContainerState& st) {
  if (!p.ephemeral_dir.empty()) {
    const std::string& fs = p.ephemeral_dir;
    if (::mkdir(fs.c_str(), 0700) != 0) throw_errno("mkdir " + fs);
    if (p.ephemeral_tmpfs) {
      // Inodes cost kernel memory that size= does not count: one per 4 KiB.
      const int64_t inodes = std::max<int64_t>(p.tmpfs_size / 4096, 1024);
      const std::string data =
          "size=" + std::to_string(p.tmpfs_size) + ",nr_inodes=" + std::to_string(inodes) + ",mode=0700";
      if (::mount("tmpfs", fs.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0)
        throw_errno("overlay: mount tmpfs (" + data + ") on " + fs);
    }
  }
  for (const auto& d : {p.layout.upper, p.layout.work, p.layout.target})
    if (::mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + d);
  st.overlay = true;
  st.persistent_upper = p.persistent_upper;
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

namespace {

// The bundle as create reads it: config.json parsed and checked, its
// seccomp filter compiled (or loaded from the cache).
struct Bundle {
  std::string dir;  // absolute
  std::string config_text;
  std::string rootfs;  // absolute root.path
  spec::Spec spec;
  Extensions x;
  SeccompProgram seccomp;
  int listen_fds = 0;  // socket activation fds passed on
};

void load_bundle(const StateStore& store, const CreateOptions& opts, Bundle& b) {
  validate_id(opts.id);
  // Before minirun opens anything that could take a preserved fd's number.
  b.listen_fds = socket_activation_fds();
  check_preserved_fds(b.listen_fds + opts.preserve_fds);
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd)) throw_errno("getcwd");
  b.dir = absolute(opts.bundle.empty() ? "." : opts.bundle, cwd);
  b.config_text = read_file(b.dir + "/config.json");
  std::vector<std::string> warnings;
  b.spec = parse_config_for_create(b.config_text, seccomp_cache_dir(store), b.seccomp, warnings);
  for (const auto& w : warnings) log_warning(w);
  if (debug_enabled()) log_debug("create " + opts.id + ": bundle " + b.dir + ": config.json loaded");
  const spec::Spec& sp = b.spec;
  if (!sp.process) throw Error("config.json: process: must be set to create a container");
  check_lsm_labels(*sp.process);
  if (!sp.linux.has_namespace(NamespaceType::mount))
    throw Error("config.json: linux.namespaces: a mount namespace is required");
  b.x = parse_extensions(sp.annotations);
  b.rootfs = sp.root.path[0] == '/' ? sp.root.path : b.dir + "/" + sp.root.path;
  if (!is_dir(b.rootfs)) {
    if (::access(b.rootfs.c_str(), F_OK) != 0 && errno == ENOENT)
      throw Error("config.json: root.path: " + b.rootfs +
                      " does not exist: the bundle needs the container's root filesystem there",
                  ENOENT);
    throw Error("config.json: root.path: " + b.rootfs + " is not a directory", ENOTDIR);
  }
}

// The stages of a create, each owning what it made: unless committed, its
// destructor undoes it.  Declared in create_container in the order they are
// made, so a failure undoes them in reverse: network, init, cgroup, state.

// The state dir with its config.json copy and the exec fifo.
class StateDirStage {
 public:
  StateDirStage(const StateStore& store, const std::string& id) : store_(store), id_(id) { store.create_dir(id); }
  StateDirStage(const StateDirStage&) = delete;
  StateDirStage& operator=(const StateDirStage&) = delete;
  ~StateDirStage() {
    if (committed_) return;
    fifo_fd_.reset();
    try {
      store_.remove_dir(id_);
    } catch (...) {
    }
  }
  void fill(const std::string& config_text) {
    write_file(saved_config_path(store_, id_), config_text, 0, 0600);
    fifo_ = store_.fifo_path(id_);
    // 0622 whatever the umask: a container root mapped to another uid must be
    // able to open it for writing.
    if (::mkfifo(fifo_.c_str(), 0622) != 0 || ::chmod(fifo_.c_str(), 0622) != 0) throw_errno("mkfifo " + fifo_);
    fifo_fd_.reset(::open(fifo_.c_str(), O_PATH | O_CLOEXEC));
    if (!fifo_fd_) throw_errno("open " + fifo_);
  }
  const std::string& fifo() const { return fifo_; }
  int fifo_fd() const { return fifo_fd_.get(); }
  void commit() { committed_ = true; }

 private:
  const StateStore& store_;
  std::string id_, fifo_;
  UniqueFd fifo_fd_;
  bool committed_ = false;
};

// The container's cgroup (the systemd driver's scope with --systemd-cgroup).
class CgroupStage {
 public:
  CgroupStage(const LaunchPlan& plan, const spec::Spec& sp, const std::string& id)
      : id_(id),
        cg_(plan.systemd_cgroup
                ? cgroup::Manager::for_systemd(sp.linux.cgroups_path, id, sp.annotations, systemd_unit_call())
                : cgroup::Manager::for_container(sp.linux.cgroups_path, id)) {}
  CgroupStage(const CgroupStage&) = delete;
  CgroupStage& operator=(const CgroupStage&) = delete;
  ~CgroupStage() {
    if (committed_ || !cg_) return;
    try {
      cg_->destroy();
    } catch (...) {
    }
  }
  cgroup::Manager* get() const { return cg_.get(); }
  // Only once it is made is what is in it the container's.
  cgroup::Manager* made() const { return made_ ? cg_.get() : nullptr; }
  void make(const spec::Resources& resources) {
    with_context("cgroup", [&] {
      cg_->create();
      made_ = true;
      cg_->apply(resources);
      if (debug_enabled()) log_debug("create " + id_ + ": cgroup made: " + nlohmann::json(cg_->paths()).dump());
    });
  }
  // Before the clone: only the cgroup2 dir the init is born in (the rest
  // after it), or, rootless, all of it or none.
  void make_before_clone(const LaunchPlan& plan, const spec::Spec& sp, const spec::Resources& resources) {
    if (plan.cgroup_after_clone) return with_context("cgroup", [&] { cg_->create_clone_dir(); });
    try {
      make(resources);
    } catch (const Error& e) {
      // Rootless as runc: without a writable (delegated) cgroup the container
      // runs in ours, unless it asked for limits that need one.
      bool denied = e.error_number() == EACCES || e.error_number() == EPERM || e.error_number() == EROFS;
      if (!plan.rootless || !denied) throw;
      if (asks_for_limits(sp.linux.resources))
        throw Error("rootless: linux.resources needs a cgroup this user may write (delegated): " + std::string(e.what()),
                    e.error_number());
      log_debug("rootless: no cgroup for the container: " + std::string(e.what()));
      cg_->destroy();
      cg_.reset();
    }
  }
  void commit() { committed_ = true; }

 private:
  std::string id_;
  std::unique_ptr<cgroup::Manager> cg_;
  bool made_ = false;
  bool committed_ = false;
};

// The container init: killed, with what is in its cgroup once that is made.
class InitStage {
 public:
  InitStage(pid_t pid, const CgroupStage& cgroup) : pid_(pid), cgroup_(cgroup) {}
  InitStage(const InitStage&) = delete;
  InitStage& operator=(const InitStage&) = delete;
  ~InitStage() {
    if (committed_) return;
    try {
      kill_container({pid_, 0}, cgroup_.made());
    } catch (...) {
    }
  }
  pid_t pid() const { return pid_; }
  void commit() { committed_ = true; }

 private:
  pid_t pid_;
  const CgroupStage& cgroup_;
  bool committed_ = false;
};

// The bridge's lease and veth (nothing for none or a joined netns).
class NetworkStage {
 public:
  explicit NetworkStage(const StateStore& store) : store_(store) {}
  NetworkStage(const NetworkStage&) = delete;
  NetworkStage& operator=(const NetworkStage&) = delete;
  ~NetworkStage() {
    if (committed_ || !lease_) return;
    try {
      ns::teardown_bridge(*lease_, store_.root(), firewall_);
    } catch (...) {
    }
  }
  // In the init's network namespace; returns the files a bridge gives the container.
  std::vector<rootfs::GeneratedFile> set_up(const LaunchPlan& plan, const Bundle& b, pid_t pid, ContainerState& st) {
    if (plan.network == Extensions::Network::bridge) {
      lease_ = ns::setup_bridge(pid, st.id, b.x.bridge, store_.root(), firewall_);  // errors say "network: ..."
      st.lease = lease_;
      return network_files(store_, st.id, b.spec.hostname, *lease_);
    }
    if (plan.network == Extensions::Network::none) with_context("network", [&] { ns::loopback_up(pid); });
    return {};
  }
  void commit() { committed_ = true; }

 private:
  const StateStore& store_;
  std::optional<ns::Lease> lease_;
  NftFirewall firewall_;
  bool committed_ = false;
};

ContainerState initial_state(const CreateOptions& opts, const Bundle& b) {
  ContainerState st;
  st.id = opts.id;
  st.bundle = b.dir;
  st.rootfs = b.rootfs;
  st.created = rfc3339_now();
  st.annotations = b.spec.annotations;
  st.poststart_hooks = !b.spec.hooks.poststart.empty();
  st.poststop_hooks = !b.spec.hooks.poststop.empty();
  return st;
}

// The init's whole context, from the plan, in one place.
InitContext init_context(const LaunchPlan& plan, const Bundle& b, const CreateOptions& opts,
                         const OpenedNamespaces& nsfds, int fifo_fd) {
  InitContext ctx;
  ctx.spec = &b.spec;
  ctx.rootfs = plan.rootfs;
  if (plan.overlay) ctx.rootfs.overlay = plan.overlay->layout;
  ctx.unshare_net = plan.ns.unshare_net;
  ctx.report_netns = plan.ns.report_netns;
  ctx.joins = nsfds.joins;
  ctx.new_user_ns = plan.ns.new_user;
  ctx.new_cgroup_ns = plan.ns.new_cgroup;
  ctx.new_time_ns = plan.ns.new_time;
  ctx.setgroups_allowed = plan.setgroups_allowed;
  ctx.preserve_fds = b.listen_fds + opts.preserve_fds;
  ctx.listen_fds = b.listen_fds;
  ctx.seccomp = b.spec.linux.seccomp ? &b.seccomp : nullptr;
  ctx.fifo_fd = fifo_fd;
  ctx.start_at_once = opts.start_at_once;
  ctx.dumpable_until_go = plan.dumpable_until_go;
  return ctx;
}

// Clones the init (which never returns here) into the planned namespaces and
// the cgroup2 dir.  The init is born in the cgroup2 dir and moves itself into
// the v1 ones: no migration of another process, which would wait for an RCU
// grace period.
pid_t clone_init(const LaunchPlan& plan, const OpenedNamespaces& nsfds, const CgroupStage& cgroup, InitContext& ctx,
                 InitChannel& channel) {
  cgroup::Manager* cg = cgroup.get();
  UniqueFd cgroup_fd(cg ? cg->clone_into_fd() : -1);
  ctx.cgroup = cg;
  // The init is a clone of this process: non-dumpable from birth, so nothing
  // in the container can ptrace it or open its /proc/PID/{exe,fd,root}
  // (CVE-2019-5736) before its execve makes it the container's process.
  // Rootless with a new user namespace, we must write its id maps first: it
  // clears the flag itself on "go".
  if (!plan.dumpable_until_go && ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE)");
  ctx.rootfs.cgroup_v1 = cgroup_mount_sources(cg);
  ctx.sync_fd = channel.child_fd();
  pid_t pid = with_context("the container init", [&] {
    try {
      return ns::clone_process(plan.ns.clone_flags, cgroup_fd.get(), ctx.cloned_into_cgroup, nsfds.pid_ns.get());
    } catch (const Error& e) {
      if (e.error_number() != EPERM || !plan.rootless || plan.ns.new_user) throw;
      throw Error(std::string(e.what()) +
                      ": new namespaces need root, or a user namespace mapping your uid; "
                      "for a container of your own run `minirun spec --rootless`",
                  EPERM);
    }
  });
  if (pid == 0) {
    channel.close_parent_end();
    container_init(ctx);
  }
  channel.close_child_end();
  return pid;
}

// From the clone to "ready": the cgroup made (as root), the state recorded,
// id maps, the network, then the init's requests until it is ready.
void bring_up(const CreateOptions& opts, const LaunchPlan& plan, const Bundle& b, NetworkStage& network,
              InitChannel& channel, ContainerState& st, Created& out) {
  const spec::Spec& sp = b.spec;
  const pid_t pid = st.pid;
  auto hook_state = [&] { return state_json(st, Status::creating, false); };
  if (plan.ns.new_user) ns::write_id_maps(pid, sp.linux.uid_mappings, sp.linux.gid_mappings, plan.rootless);
  if (sp.process->oom_score_adj)
    procfs::write_file(std::to_string(pid) + "/oom_score_adj", std::to_string(*sp.process->oom_score_adj));
  if (plan.ns.report_netns) channel.wait_for_netns();
  GoMessage go;
  go.files = network.set_up(plan, b, pid, st);
  fault_point("create.network", pid);
  go.state = hook_state();
  channel.send_go(go);
  InitChannel::Handlers h;
  // In the runtime's namespaces, with the bundle as cwd (runc runs in it).
  h.hooks = [&] {
    std::string s = hook_state();
    run_hooks(sp.hooks.prestart, s, "prestart", b.dir);
    run_hooks(sp.hooks.create_runtime, s, "createRuntime", b.dir);
  };
  h.console = [&](UniqueFd fd) {
    if (!opts.console_socket.empty()) {
      send_fd_to_path(opts.console_socket, fd.get(), "/dev/ptmx");
    } else {
      out.console_master = std::move(fd);
    }
  };
  h.seccomp_listener = [&](UniqueFd fd) { send_seccomp_listener(*sp.linux.seccomp, fd.get(), pid, hook_state()); };
  channel.serve_until_ready(h);
  fault_point("create.ready", pid);
}

// The cgroup as it ended up, the init's identity: what delete needs.
void record_init(const StateStore& store, const CgroupStage& cgroup, ContainerState& st) {
  st.cgroup_paths.clear();
  st.cgroup_made_parents.clear();
  if (cgroup::Manager* cg = cgroup.get()) {
    st.systemd_unit = cg->unit();
    st.cgroup_paths = cg->paths();
    st.cgroup_made_parents = cg->made_parents();
    st.oom_kills_at_create = cg->oom_kill_count();
  }
  st.start_time = process_start_time(st.pid);
  store.save(st);  // the init, and the cgroup dirs' parents made for it
}

}  // namespace

Created create_container(const StateStore& store, const CreateOptions& opts) {
  Bundle b;
  load_bundle(store, opts, b);
  const LaunchPlan plan = plan_launch(b.spec, b.x, opts, Host{::geteuid(), [] { return ::isatty(STDIN_FILENO) != 0; }},
                                      store, b.dir, b.rootfs);
  StateDirStage state_dir(store, opts.id);
  state_dir.fill(b.config_text);
  fault_point("create.state-dir");
  ContainerState st = initial_state(opts, b);
  OpenedNamespaces nsfds = open_namespaces(plan.ns, opts.id);
  CgroupStage cgroup(plan, b.spec, opts.id);
  // Recorded before any of it exists: a minirun killed from here on leaves
  // a state `delete --force` undoes (the init dies with us until commit).
  st.creating = true;
  st.cgroup_paths = cgroup.get()->paths();
  // systemd makes (and removes) the slices above its scope itself.
  if (!opts.systemd_cgroup) st.cgroup_made_parents = cgroup::missing_parents(st.cgroup_paths);
  st.lease = plan.planned_lease;
  store.save(st);
  const spec::Resources resources = resources_with_default_devices(b.spec.linux.resources);
  cgroup.make_before_clone(plan, b.spec, resources);
  fault_point("create.cgroup-dir");
  InitContext ctx = init_context(plan, b, opts, nsfds, state_dir.fifo_fd());
  if (plan.overlay) make_overlay_dirs(*plan.overlay, st);
  // Ours are closed when this function returns.
  std::vector<UniqueFd> bind_trees;
  if (plan.open_bind_sources) bind_trees = rootfs::open_bind_sources(ctx.rootfs);
  InitChannel channel;
  if (opts.foreground) block_forwarded_signals();
  InitStage init(clone_init(plan, nsfds, cgroup, ctx, channel), cgroup);
  if (debug_enabled()) log_debug("create " + opts.id + ": init pid " + std::to_string(init.pid()));
  st.pid = init.pid();
  fault_point("create.clone", st.pid);
  if (plan.cgroup_after_clone) {
    cgroup.get()->set_first_process(st.pid);
    cgroup.make(resources);
  }
  fault_point("create.cgroup", st.pid);
  record_init(store, cgroup, st);
  Created out;
  NetworkStage network(store);
  bring_up(opts, plan, b, network, channel, st, out);
  if (opts.start_at_once) ::unlink(state_dir.fifo().c_str());  // it is exec'ing: running, not created
  st.creating = false;
  store.save(st);
  fault_point("create.state", st.pid);
  // Only now may the init outlive us: it drops its parent-death signal,
  // and we wait until it has (our exit would kill it otherwise).
  channel.commit();
  write_pid_file(opts.pid_file, st.pid);
  // `run`'s poststart hooks wait for the execve, as start's do: the init's
  // end of the socket is close-on-exec, so EOF on ours means it exec'd.
  if (opts.start_at_once && st.poststart_hooks) channel.serve_until_exec({});
  network.commit();
  init.commit();
  cgroup.commit();
  state_dir.commit();
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
      // The container's own, alive after SIGKILL: waiting in the kernel (a
      // hung NFS or FUSE server).  Its cgroup and state stay for another
      // delete once the kernel lets them go.
      if (auto left = container_processes_left({st.pid, st.start_time}, *cg); !left.empty()) {
        std::string pids;
        for (pid_t p : left) pids += (pids.empty() ? "" : ", ") + std::to_string(p);
        throw Error("pid " + pids + " has not died of SIGKILL: stuck in the kernel (uninterruptible sleep); "
                        "the container's cgroup and state are kept: delete --force again once it has exited",
                    EBUSY);
      }
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
