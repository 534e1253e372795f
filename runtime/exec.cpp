#include "runtime/exec.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "cgroup/cgroup.h"
#include "ns/join.h"
#include "ns/ns.h"
#include "runtime/console.h"
#include "runtime/enter.h"
#include "runtime/extensions.h"
#include "runtime/fault.h"
#include "runtime/files.h"
#include "runtime/launcher.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "spec/strings.h"

namespace minirun::runtime {

using spec::NamespaceType;

namespace {

void append_all(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& c : from)
    if (std::find(to.begin(), to.end(), c) == to.end()) to.push_back(c);
}

// runc's getProcess: -p FILE, or the container's process with overrides.
spec::Process build_process(const spec::Spec& sp, const ExecOptions& o) {
  if (!o.process_file.empty()) return spec::parse_process(read_file(o.process_file), o.process_file);
  if (o.args.empty()) throw Error("args must not be empty");
  spec::Process p = sp.process.value_or(spec::Process{});
  p.args = o.args;
  p.terminal = o.tty;
  p.console_size.reset();
  for (const auto& e : o.env) p.env.push_back(e);
  if (!o.cwd.empty()) p.cwd = o.cwd;
  if (!o.additional_gids.empty()) p.user.additional_gids = o.additional_gids;
  if (!o.caps.empty()) {
    if (!p.capabilities) p.capabilities = spec::Capabilities{};
    auto& c = *p.capabilities;
    for (auto* set : {&c.bounding, &c.effective, &c.permitted, &c.inheritable, &c.ambient}) append_all(*set, o.caps);
  }
  if (o.no_new_privs) p.no_new_privileges = true;
  spec::validate_process(p, "exec");
  return p;
}

// Looks a user or group name up in the container's /etc/passwd or /etc/group.
bool lookup_id(const std::string& file, const std::string& name, uint32_t& id, uint32_t* gid) {
  auto f = find_colon_record(file, [&](const auto& f) { return f.size() >= 3 && f[0] == name; });
  if (!f) return false;
  id = parse_id((*f)[2], file + ": " + name);
  if (gid && f->size() >= 4) *gid = parse_id((*f)[3], file + ": " + name);
  return true;
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// `--user uid[:gid]`, names allowed, resolved inside the container's root.
void resolve_user(const std::string& spec_text, spec::User& u) {
  if (spec_text.empty()) return;
  std::string user = spec_text, group;
  if (auto colon = spec_text.find(':'); colon != std::string::npos) {
    user = spec_text.substr(0, colon);
    group = spec_text.substr(colon + 1);
  }
  uint32_t primary_gid = 0;
  if (is_number(user)) {
    u.uid = parse_id(user, "--user");
  } else if (!lookup_id("/etc/passwd", user, u.uid, &primary_gid)) {
    throw Error("--user: no user \"" + user + "\" in the container's /etc/passwd");
  }
  u.gid = is_number(user) ? 0 : primary_gid;
  if (group.empty()) return;
  if (is_number(group)) {
    u.gid = parse_id(group, "--user");
  } else if (!lookup_id("/etc/group", group, u.gid, nullptr)) {
    throw Error("--user: no group \"" + group + "\" in the container's /etc/group");
  }
}

struct Joined {
  NamespaceType type;
  UniqueFd fd;
};

// The running container as exec enters it: its namespaces and root, opened
// through /proc/PID while its identity is checked.
struct ExecTarget {
  std::vector<Joined> joins;
  UniqueFd pid_ns;   // entered around clone()
  UniqueFd root_fd;  // the init's root (/proc/PID/root)
  bool setgroups_allowed = true;
};

// The child's half of the cgroup placement (see create's init).
struct CgroupJoin {
  cgroup::Manager* manager = nullptr;
  bool cloned_into = false;
};

// What the exec helper needs once cloned (the rest is in the process spec).
struct ExecChild {
  int sock = -1;
  std::vector<Joined>* joins = nullptr;
  int root_fd = -1;
  spec::Process* process = nullptr;
  const ExecOptions* options = nullptr;
  const SeccompProgram* seccomp = nullptr;
  bool setgroups_allowed = true;
  std::optional<spec::Personality> personality;
  CgroupJoin cgroup;
};

void join_container(ExecChild& c) {
  receive_message(c.sock, "go");
  if (c.cgroup.manager) with_context("cgroup", [&] { c.cgroup.manager->join_self(c.cgroup.cloned_into); });
  std::vector<ns::NamespaceFd> fds;
  for (const auto& j : *c.joins) fds.push_back({j.type, j.fd.get()});
  ns::join_namespaces(fds);
  c.joins->clear();
  // The init's root, also when it chroot'ed (--no-pivot).
  if (::fchdir(c.root_fd) != 0 || ::chroot(".") != 0) throw_errno("enter the container's root");
  ::close(c.root_fd);
}

[[noreturn]] void exec_child(ExecChild& c) {
  std::string error;
  try {
    std::vector<int> keep = {c.sock, c.root_fd};
    for (const auto& j : *c.joins) keep.push_back(j.fd.get());
    close_fds_except(c.options->preserve_fds, keep);
    join_container(c);
    resolve_user(c.options->user, c.process->user);
    Entry entry;
    entry.process = c.process;
    entry.seccomp = c.seccomp;
    entry.personality = c.personality;
    entry.sync_fd = c.sock;  // we listen until the execve closes it
    entry.preserve_fds = c.options->preserve_fds;
    entry.setgroups_allowed = c.setgroups_allowed;
    enter_container(entry);
  } catch (const std::exception& e) {
    error = e.what();
  }
  try {
    send_message(c.sock, Stage::error, error);
  } catch (...) {
  }
  ::_exit(127);
}

ContainerState load_exec_target_state(const StateStore& store, const ExecOptions& o) {
  ContainerState st = store.load(o.id);
  Status status = current_status(store, st);
  if (status == Status::stopped) throw Error("cannot exec in a stopped container");
  if (status == Status::creating) throw Error("cannot exec in a container that is still being created");
  if (status == Status::paused && !o.ignore_paused)
    throw Error("cannot exec in a paused container (use --ignore-paused to override)");
  return st;
}

void check_terminal(const spec::Process& p, const ExecOptions& o) {
  if (p.terminal && o.detach && o.console_socket.empty())
    throw Error("cannot allocate tty if minirun will detach without setting console socket");
  if (!p.terminal && !o.console_socket.empty()) throw Error("--console-socket given without a tty (-t)");
  // As for run: a pty relayed from a stdin that never types waits forever.
  if (p.terminal && !o.detach && o.console_socket.empty() && !::isatty(STDIN_FILENO))
    throw Error("a tty was asked for (-t or process.terminal) but stdin is not a terminal: drop -t, "
                "or use -d with --console-socket");
}

ExecTarget open_target(const spec::Spec& sp, const ContainerState& st) {
  ExecTarget t;
  const std::string proc = "/proc/" + std::to_string(st.pid);
  bool in_user_ns = false;
  for (const auto& n : sp.linux.namespaces) {
    std::string path = proc + "/ns/" + ns::proc_ns_name(n.type);
    UniqueFd fd = ns::open_namespace(path, n.type);
    if (n.type == NamespaceType::pid) {
      t.pid_ns = std::move(fd);
    } else {
      in_user_ns |= n.type == NamespaceType::user;
      t.joins.push_back({n.type, std::move(fd)});
    }
  }
  // A network the runtime set up (run.minirun.network) is the init's own
  // netns even when linux.namespaces has none.
  bool has_net =
      std::any_of(t.joins.begin(), t.joins.end(), [](const Joined& j) { return j.type == NamespaceType::network; });
  if (!has_net && parse_extensions(sp.annotations).network != Extensions::Network::unset)
    t.joins.push_back({NamespaceType::network, ns::open_namespace(proc + "/ns/net", NamespaceType::network)});
  t.root_fd.reset(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!t.root_fd) throw_errno("open " + proc + "/root");
  std::string setgroups;
  t.setgroups_allowed =
      !in_user_ns || !try_read_file(proc + "/setgroups", setgroups) || setgroups.find("deny") == std::string::npos;
  // Re-check the identity now that the namespace fds pin the container.
  if (!process_is(st.pid, st.start_time)) throw Error("cannot exec in a stopped container");
  return t;
}

// Rootless: joining the pid namespace needs capabilities we only hold in
// the container's user namespace (ours owns it), so we enter that first;
// the child inherits it.
void enter_user_namespace_first(ExecTarget& t) {
  for (auto it = t.joins.begin(); it != t.joins.end(); ++it)
    if (it->type == NamespaceType::user) {
      ns::join_namespace(it->fd.get(), it->type);
      t.joins.erase(it);
      return;
    }
}

// The exec helper until it has exec'd: killed and reaped unless committed.
class ExecHelperStage {
 public:
  explicit ExecHelperStage(pid_t pid) : pid_(pid) {}
  ExecHelperStage(const ExecHelperStage&) = delete;
  ExecHelperStage& operator=(const ExecHelperStage&) = delete;
  ~ExecHelperStage() {
    if (committed_) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  void commit() { committed_ = true; }

 private:
  pid_t pid_;
  bool committed_ = false;
};

// Clones the helper into the container's pid namespace and cgroup2 dir; it
// joins the rest itself on "go".
pid_t clone_helper(const ContainerState& st, const spec::Spec& sp, spec::Process& p, const ExecOptions& o,
                   const SeccompProgram& seccomp, ExecTarget& t, InitChannel& channel) {
  // The child is visible in the container's pid namespace until it execs:
  // non-dumpable, its /proc/PID/exe (this binary) and fds are out of reach of
  // the container's processes (CVE-2019-5736).  execve resets it.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_DUMPABLE)");
  std::unique_ptr<cgroup::Manager> cg;
  if (!st.cgroup_paths.empty()) cg = cgroup::Manager::from_paths(st.cgroup_paths);
  UniqueFd cgroup_fd(cg ? cg->clone_into_fd() : -1);
  ExecChild child;
  child.cgroup.manager = cg.get();
  pid_t pid = ns::clone_process(0, cgroup_fd.get(), child.cgroup.cloned_into, t.pid_ns.get());
  if (pid == 0) {
    channel.close_parent_end();
    child.sock = channel.child_fd();
    child.joins = &t.joins;
    child.root_fd = t.root_fd.get();
    child.process = &p;
    child.options = &o;
    child.seccomp = sp.linux.seccomp ? &seccomp : nullptr;
    child.setgroups_allowed = t.setgroups_allowed;
    child.personality = sp.linux.personality;
    exec_child(child);
  }
  channel.close_child_end();
  return pid;
}

}  // namespace

int exec_in_container(const StateStore& store, const ExecOptions& o) {
  check_preserved_fds(o.preserve_fds);
  ContainerState st = load_exec_target_state(store, o);
  SeccompProgram seccomp;
  spec::Spec sp = load_saved_spec(store, o.id, seccomp);
  spec::Process p = build_process(sp, o);
  check_lsm_labels(p);
  check_terminal(p, o);
  ExecTarget target = open_target(sp, st);
  InitChannel channel;
  if (!o.detach) block_forwarded_signals();
  if (target.pid_ns && ::geteuid() != 0) enter_user_namespace_first(target);
  ExecHelperStage helper(clone_helper(st, sp, p, o, seccomp, target, channel));
  fault_point("exec.clone", st.pid);
  channel.send_go();
  fault_point("exec.go", st.pid);
  UniqueFd master;
  InitChannel::Handlers h;
  h.seccomp_listener = [&](UniqueFd fd) {
    send_seccomp_listener(*sp.linux.seccomp, fd.get(), helper.pid(), state_json(st, Status::running, false));
  };
  h.console = [&](UniqueFd fd) {
    if (!o.console_socket.empty()) {
      send_fd_to_path(o.console_socket, fd.get(), "/dev/ptmx");
    } else {
      master = std::move(fd);
    }
  };
  channel.serve_until_exec(h);
  helper.commit();
  write_pid_file(o.pid_file, helper.pid());
  if (o.detach) return 0;
  return forward_and_wait(helper.pid(), master.get());
}

}  // namespace minirun::runtime
