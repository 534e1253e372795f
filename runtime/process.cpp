#include "runtime/process.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "runtime/files.h"
#include "runtime/sync.h"
#include "spec/unique_fd.h"
#include "spec/procfs.h"
#include "spec/strings.h"

namespace minirun::runtime {

static const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static std::string env_value(const std::vector<std::string>& env, const std::string& key) {
  for (const auto& e : env)
    if (e.size() > key.size() && e.compare(0, key.size(), key) == 0 && e[key.size()] == '=')
      return e.substr(key.size() + 1);
  return {};
}

// stat() of a path whose every component resolves without a magic link.
static int stat_without_magic_links(const std::string& path, struct stat& st) {
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how)));
  if (!fd) return errno;
  return ::fstat(fd.get(), &st) == 0 ? 0 : errno;
}

static bool is_executable_file(const std::string& path) {
  struct stat st;
  return stat_without_magic_links(path, st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

// An errno as Go prints it ("no such file or directory"): engines match
// these lower-case texts in the runtime's message to pick an exit code
// (docker: 127 for a missing command, 126 for permission denied).
static std::string go_errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Worded as runc's (Go's exec.LookPath): exec: "NAME": ...
std::string find_executable(const spec::Process& p) {
  const std::string& name = p.args.at(0);
  const std::string what = "exec: \"" + name + "\"";
  if (name.find('/') != std::string::npos) {
    struct stat st;
    if (int err = stat_without_magic_links(name, st); err != 0) {
      if (err == ELOOP || err == EXDEV)
        throw Error(what + ": stat " + name + ": the path goes through a magic link or a symlink loop", err);
      throw Error(what + ": stat " + name + ": " + go_errno_text(err), err);
    }
    if (S_ISREG(st.st_mode) && (st.st_mode & 0111)) return name;
    throw Error(what + ": permission denied", EACCES);
  }
  std::string path = env_value(p.env, "PATH");
  if (path.empty()) path = kDefaultPath;
  for (std::string dir : split(path, ':')) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
  }
  throw Error(what + ": executable file not found in $PATH", ENOENT);
}

// Home directory of uid from the container's /etc/passwd, "/" if none.
static std::string home_of(uint32_t uid) {
  std::string id = std::to_string(uid);
  try {
    auto f = find_colon_record("/etc/passwd", [&](const auto& f) { return f.size() >= 6 && f[2] == id; });
    return f && !(*f)[5].empty() ? (*f)[5] : "/";
  } catch (const Error&) {
    return "/";  // a passwd that is no plain file is as good as none
  }
}

std::vector<std::string> process_environment(const spec::Process& p) {
  std::vector<std::string> env = p.env;
  bool has_home = false;
  for (const auto& e : env) has_home |= e.rfind("HOME=", 0) == 0;
  if (!has_home) env.push_back("HOME=" + home_of(p.user.uid));
  return env;
}

static uint32_t scheduler_policy(const std::string& name) {
  if (name == "SCHED_OTHER") return SCHED_OTHER;
  if (name == "SCHED_FIFO") return SCHED_FIFO;
  if (name == "SCHED_RR") return SCHED_RR;
  if (name == "SCHED_BATCH") return SCHED_BATCH;
  if (name == "SCHED_IDLE") return SCHED_IDLE;
  if (name == "SCHED_DEADLINE") return 6;
  throw Error("process.scheduler.policy: unknown policy \"" + name + "\"");
}

static uint64_t scheduler_flag(const std::string& name) {
  static const std::pair<const char*, uint64_t> flags[] = {
      {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},     {"SCHED_FLAG_DL_OVERRUN", 0x04},
      {"SCHED_FLAG_KEEP_POLICY", 0x08},   {"SCHED_FLAG_KEEP_PARAMS", 0x10}, {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
      {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}};
  for (const auto& [n, v] : flags)
    if (name == n) return v;
  throw Error("process.scheduler.flags: unknown flag \"" + name + "\"");
}

// The kernel's struct sched_attr (glibc 2.36 has no wrapper): one call sets
// every policy, SCHED_DEADLINE's runtime/deadline/period and the flags.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static void apply_scheduler(const spec::Scheduler& s) {
  SchedAttr attr = {};
  attr.size = sizeof attr;
  attr.sched_policy = scheduler_policy(s.policy);
  for (const auto& f : s.flags) attr.sched_flags |= scheduler_flag(f);
  attr.sched_nice = s.nice;
  attr.sched_priority = static_cast<uint32_t>(s.priority);
  attr.sched_runtime = s.runtime;
  attr.sched_deadline = s.deadline;
  attr.sched_period = s.period;
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) throw_errno("process.scheduler: sched_setattr");
}

static void parse_cpu_list(const std::string& list, cpu_set_t& set, const std::string& field);

static void set_cpu_affinity(const std::string& list, const std::string& field) {
  cpu_set_t set;
  parse_cpu_list(list, set, field);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) throw_errno(field);
}

static void parse_cpu_list(const std::string& list, cpu_set_t& set, const std::string& field) {
  CPU_ZERO(&set);
  for (const std::string& part : split(list, ',')) {
    if (part.empty()) continue;
    unsigned long a, b;
    char* end;
    a = b = std::strtoul(part.c_str(), &end, 10);
    if (*end == '-') b = std::strtoul(end + 1, &end, 10);
    if (*end != '\0' || b < a || b >= CPU_SETSIZE) throw Error(field + ": invalid cpu list \"" + list + "\"");
    for (unsigned long c = a; c <= b; ++c) CPU_SET(c, &set);
  }
}

void apply_process_limits(const spec::Process& p) {
  for (const auto& r : p.rlimits) {
    struct rlimit lim = {r.soft, r.hard};
    if (::setrlimit(r.resource, &lim) != 0) throw_errno("setrlimit " + r.type);
  }
  if (p.scheduler) apply_scheduler(*p.scheduler);
  if (p.io_priority) {
    int cls = p.io_priority->io_class == "IOPRIO_CLASS_RT" ? 1 : p.io_priority->io_class == "IOPRIO_CLASS_BE" ? 2 : 3;
    int prio = (cls << 13) | p.io_priority->priority;
    if (::syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, prio) != 0) throw_errno("process.ioPriority");
  }
  if (p.exec_cpu_affinity && !p.exec_cpu_affinity->initial.empty())
    set_cpu_affinity(p.exec_cpu_affinity->initial, "process.execCPUAffinity.initial");
}

int socket_activation_fds() {
  const char* fds = std::getenv("LISTEN_FDS");
  const char* pid = std::getenv("LISTEN_PID");
  if (!fds || !pid || std::strtol(pid, nullptr, 10) != ::getpid()) return 0;
  long n = std::strtol(fds, nullptr, 10);
  return n > 0 && n < 1024 ? static_cast<int>(n) : 0;
}

void check_preserved_fds(int count) {
  for (int fd = 3; fd < 3 + count; ++fd)
    if (::fcntl(fd, F_GETFD) < 0) throw Error("--preserve-fds: fd " + std::to_string(fd) + " is not open", EBADF);
}

static bool apparmor_enabled() {
  std::string v;
  return ::access("/sys/kernel/security/apparmor", F_OK) == 0 &&
         try_read_file("/sys/module/apparmor/parameters/enabled", v) && !v.empty() && v[0] == 'Y';
}

static bool selinux_enabled() { return ::access("/sys/fs/selinux/enforce", F_OK) == 0; }

void check_lsm_labels(const spec::Process& p) {
  if (!p.selinux_label.empty() && !selinux_enabled())
    throw Error("process.selinuxLabel: selinux label is specified in config, but selinux is disabled or not supported",
                EINVAL);
  if (!p.apparmor_profile.empty() && !apparmor_enabled())
    throw Error("process.apparmorProfile: apparmor profile \"" + p.apparmor_profile +
                    "\" is specified in config, but apparmor is not enabled on this host",
                EINVAL);
}

// Both LSMs take the label for the next execve through /proc/thread-self/attr.
static void set_exec_label(const char* lsm_dir, const std::string& value, const std::string& field) {
  std::string name = std::string("thread-self/attr/") + lsm_dir + "exec";
  if (::access(("/proc/" + name).c_str(), F_OK) != 0) name = "thread-self/attr/exec";
  with_context(field, [&] { procfs::write_file(name, value); });
}

static void apply_lsm_labels(const spec::Process& p) {
  if (!p.apparmor_profile.empty()) set_exec_label("apparmor/", "exec " + p.apparmor_profile, "process.apparmorProfile");
  if (!p.selinux_label.empty()) set_exec_label("", p.selinux_label, "process.selinuxLabel");
}

void apply_personality(const spec::Personality& p) {
  unsigned long domain = p.domain == "LINUX32" ? PER_LINUX32 : PER_LINUX;
  if (::personality(domain) < 0) throw_errno("linux.personality: personality " + p.domain);
}

static void send_listener(const ExecPlan& plan, int listener) {
  UniqueFd fd(listener);
  if (listener < 0) return;
  if (plan.listener_sock < 0) throw Error("linux.seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  send_message(plan.listener_sock, Stage::seccomp_listener, "", fd.get());
}

static std::vector<cap_value_t> capability_values(const std::vector<std::string>& names) {
  std::vector<cap_value_t> out;
  for (const auto& n : names) {
    cap_value_t v;
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // runc skips capabilities this kernel does not know, with a warning.
    if (cap_from_name(lower.c_str(), &v) != 0 || v > cap_max_bits() - 1) continue;
    out.push_back(v);
  }
  return out;
}

static void drop_bounding_set(const spec::Capabilities& caps) {
  auto keep = capability_values(caps.bounding);
  for (cap_value_t c = 0; c < static_cast<cap_value_t>(cap_max_bits()); ++c) {
    if (std::find(keep.begin(), keep.end(), c) != keep.end()) continue;
    if (cap_drop_bound(c) != 0 && errno != EINVAL)
      throw_errno("drop bounding capability " + std::string(cap_to_name(c)));
  }
}

static void apply_capability_sets(const spec::Capabilities& caps) {
  cap_t c = cap_init();
  if (!c) throw_errno("cap_init");
  auto set = [&](const std::vector<std::string>& names, cap_flag_t flag) {
    auto values = capability_values(names);
    if (!values.empty() && cap_set_flag(c, flag, static_cast<int>(values.size()), values.data(), CAP_SET) != 0)
      throw_errno("cap_set_flag");
  };
  set(caps.effective, CAP_EFFECTIVE);
  set(caps.permitted, CAP_PERMITTED);
  set(caps.inheritable, CAP_INHERITABLE);
  int rc = cap_set_proc(c);
  int err = errno;
  cap_free(c);
  if (rc != 0) throw_errno("apply capabilities", err);
  // One prctl; libcap's cap_reset_ambient first asks IS_SET of every cap.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    throw_errno("reset ambient capabilities");
  for (cap_value_t v : capability_values(caps.ambient)) {
    // runc ignores ambient capabilities the kernel refuses (not in P and I).
    cap_set_ambient(v, CAP_SET);
  }
}

static void switch_user(const spec::User& u, bool setgroups_allowed) {
  if (setgroups_allowed) {
    std::vector<gid_t> gids(u.additional_gids.begin(), u.additional_gids.end());
    if (::setgroups(gids.size(), gids.data()) != 0) throw_errno("setgroups");
  }
  if (::setresgid(u.gid, u.gid, u.gid) != 0) throw_errno("setgid " + std::to_string(u.gid));
  if (::setresuid(u.uid, u.uid, u.uid) != 0) throw_errno("setuid " + std::to_string(u.uid));
}

[[noreturn]] static void cwd_failed(const std::string& cwd, int err) {
  throw_errno("chdir to cwd (\"" + cwd + "\") set in config.json", err);
}

// As runc, the cwd is entered first with the runtime's credentials (a 0700
// dir of root's, such as /root, works for any user); only when that is
// denied is it tried again as the process's user (a volume chowned to it
// that root cannot search, e.g. on NFS).  Returns whether that is still to do.
static bool enter_cwd_as_runtime(const std::string& cwd) {
  if (::chdir(cwd.c_str()) == 0) return false;
  if (errno == EACCES || errno == EPERM) return true;
  cwd_failed(cwd, errno);
}

static void enter_cwd(const std::string& cwd, bool again) {
  if (again && ::chdir(cwd.c_str()) != 0) cwd_failed(cwd, errno);
  // A cwd reached through a magic link to an fd outside the root has no path
  // below "/": getcwd reports it as unreachable.
  char buf[4096];
  if (!::getcwd(buf, sizeof buf) || buf[0] != '/')
    throw Error("process.cwd \"" + cwd + "\" is outside the container's root");
}

static std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

static bool seccomp_before_caps(const spec::Process& p, const ExecPlan& plan) {
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
  // before dropping capabilities (as runc does).
  return plan.seccomp && !plan.seccomp_loaded && !p.no_new_privileges;
}

static void load_planned_seccomp(ExecPlan& plan) {
  send_listener(plan, load_seccomp(*plan.seccomp));
  plan.seccomp_loaded = true;
}

void finalize_process(const spec::Process& p, ExecPlan& plan) {
  if (seccomp_before_caps(p, plan)) load_planned_seccomp(plan);
  if (p.capabilities) drop_bounding_set(*p.capabilities);
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_KEEPCAPS)");
  const bool cwd_as_user = enter_cwd_as_runtime(p.cwd);
  switch_user(p.user, plan.setgroups_allowed);
  enter_cwd(p.cwd, cwd_as_user);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_KEEPCAPS)");
  if (p.capabilities) apply_capability_sets(*p.capabilities);
  // runc: "final" is the affinity the process execs with, once in its cgroup.
  if (p.exec_cpu_affinity && !p.exec_cpu_affinity->final.empty())
    set_cpu_affinity(p.exec_cpu_affinity->final, "process.execCPUAffinity.final");
  if (p.user.umask) ::umask(*p.user.umask);
  apply_lsm_labels(p);
  if (p.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_errno("prctl(PR_SET_NO_NEW_PRIVS)");
}

void load_remaining_seccomp(ExecPlan& plan) {
  if (plan.seccomp && !plan.seccomp_loaded) load_planned_seccomp(plan);
}

void exec_process(const ExecPlan& plan) {
  std::vector<std::string> argv = plan.argv, envp = plan.envp;
  auto cargv = c_strings(argv), cenvp = c_strings(envp);
  ::execve(plan.path.c_str(), cargv.data(), cenvp.data());
  int err = errno;
  throw Error("exec " + plan.path + ": " + go_errno_text(err), err);  // as runc's (os.PathError)
}

}  // namespace minirun::runtime
