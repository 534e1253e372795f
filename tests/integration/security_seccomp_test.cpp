// Issue 7: seccomp seen from inside: the configured errno, args, every
// action, flags, a podman-like deny-by-default profile, the BPF cache and a
// SCMP_ACT_NOTIFY agent that receives the listener fd and answers.
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

class SecuritySeccompTest : public MinirunTest {};

nlohmann::json rule(std::vector<std::string> names, const std::string& action, int errno_ret = -1) {
  nlohmann::json r = {{"names", names}, {"action", action}};
  if (errno_ret >= 0) r["errnoRet"] = errno_ret;
  return r;
}

nlohmann::json allow_by_default(nlohmann::json rules) {
  return {{"defaultAction", "SCMP_ACT_ALLOW"},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", rules}};
}

TEST_F(SecuritySeccompTest, DeniedSyscallsReturnTheConfiguredErrno) {
  Bundle b;
  nlohmann::json mode_rule = rule({"mkdir"}, "SCMP_ACT_ERRNO", 13);
  mode_rule["args"] = {{{"index", 1}, {"value", 0700}, {"op", "SCMP_CMP_EQ"}}};
  b.config["linux"]["seccomp"] = allow_by_default({
      mode_rule,
      rule({"rmdir"}, "SCMP_ACT_ERRNO"),  // no errnoRet: EPERM
      rule({"symlink", "symlinkat", "no_such_syscall_here"}, "SCMP_ACT_ERRNO", 38),
  });
  b.set_args({"sh", "-c",
              "probe errno-mkdir /dev/shm/a 700; probe errno-mkdir /dev/shm/b 755; rmdir /dev/shm/b 2>&1; "
              "ln -s x /tmp/l 2>&1; probe report | grep Seccomp:"});
  Result r = minirun({"run", "-b", b.dir(), "errno"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "13") << "the args rule matches mode 0700";
  EXPECT_EQ(lines[1], "ok") << "and only that mode";
  EXPECT_NE(lines[2].find("Operation not permitted"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find("Function not implemented"), std::string::npos) << lines[3];
  EXPECT_EQ(lines[4], "Seccomp:\t2");
}

TEST_F(SecuritySeccompTest, DefaultErrnoRetAndEveryAction) {
  Bundle b;
  struct Case {
    std::string action;
    std::vector<std::string> args;
    int code;
    std::string out;
  };
  // mkdir under each action, seen from the probe (SIGSYS = 31).
  std::vector<Case> cases = {
      {"SCMP_ACT_ALLOW", {"probe", "errno-mkdir", "/dev/shm/x"}, 0, "ok\n"},
      {"SCMP_ACT_ERRNO", {"probe", "errno-mkdir", "/dev/shm/x"}, 1, "1\n"},
      {"SCMP_ACT_LOG", {"probe", "errno-mkdir", "/dev/shm/x"}, 0, "ok\n"},
      {"SCMP_ACT_TRACE", {"probe", "errno-mkdir", "/dev/shm/x"}, 1, "38\n"},  // no tracer: ENOSYS
      {"SCMP_ACT_KILL", {"probe", "errno-mkdir", "/dev/shm/x"}, 128 + 31, ""},
      {"SCMP_ACT_KILL_THREAD", {"probe", "errno-mkdir", "/dev/shm/x"}, 128 + 31, ""},
      {"SCMP_ACT_KILL_PROCESS", {"probe", "errno-mkdir", "/dev/shm/x"}, 128 + 31, ""},
      {"SCMP_ACT_TRAP", {"probe", "errno-mkdir", "/dev/shm/x"}, 128 + 31, ""},
  };
  for (const auto& c : cases) {
    b.config["linux"]["seccomp"] = allow_by_default({rule({"mkdir", "mkdirat"}, c.action)});
    b.set_args(c.args);
    Result r = minirun({"run", "-b", b.dir(), "act"});
    EXPECT_EQ(r.code, c.code) << c.action << ": " << r.err;
    EXPECT_EQ(r.out, c.out) << c.action;
    expect_no_leftovers("act");
  }
  // defaultAction ERRNO with defaultErrnoRet, mkdir the only call denied.
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", nlohmann::json::array()}};
  b.config["linux"]["seccomp"]["defaultAction"] = "SCMP_ACT_ERRNO";
  b.config["linux"]["seccomp"]["defaultErrnoRet"] = 38;
  // Everything but mkdir allowed by a rule, so the default only hits mkdir.
  b.config["linux"]["seccomp"]["syscalls"] = {
      rule({"execve",     "brk",       "arch_prctl", "set_tid_address", "set_robust_list",
            "rseq",       "prlimit64", "mprotect",   "readlinkat",      "getrandom",
            "mmap",       "munmap",    "write",      "exit_group",      "fstat",
            "newfstatat", "uname",     "ioctl",      "close",           "read",
            "openat",     "lseek",     "futex",      "rt_sigprocmask",  "rt_sigaction"},
           "SCMP_ACT_ALLOW")};
  b.set_args({"probe", "errno-mkdir", "/dev/shm/x"});
  Result r = minirun({"run", "-b", b.dir(), "defret"});
  EXPECT_EQ(r.out, "38\n") << r.err;
}

TEST_F(SecuritySeccompTest, FlagsAreAppliedAndUnknownOnesRefused) {
  Bundle b;
  b.config["linux"]["seccomp"] = allow_by_default({rule({"mkdir"}, "SCMP_ACT_ERRNO", 38)});
  b.config["linux"]["seccomp"]["flags"] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  b.set_args({"probe", "errno-mkdir", "/dev/shm/x"});
  Result r = minirun({"run", "-b", b.dir(), "flags"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out, "38\n");
  b.config["linux"]["seccomp"]["flags"] = {"SECCOMP_FILTER_FLAG_BOGUS"};
  b.save();
  Result bad = minirun({"run", "-b", b.dir(), "flags"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("linux.seccomp.flags"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("SECCOMP_FILTER_FLAG_BOGUS"), std::string::npos) << bad.err;
  expect_no_leftovers("flags");
}

// A deny-by-default profile shaped like podman's: ENOSYS for anything not
// listed, EPERM for a few privileged calls, personality only with given args.
nlohmann::json podman_like_profile() {
  std::vector<std::string> allowed = {"accept",
                                      "accept4",
                                      "access",
                                      "alarm",
                                      "arch_prctl",
                                      "bind",
                                      "brk",
                                      "capget",
                                      "capset",
                                      "chdir",
                                      "chmod",
                                      "chown",
                                      "clock_getres",
                                      "clock_gettime",
                                      "clock_nanosleep",
                                      "clone",
                                      "clone3",
                                      "close",
                                      "close_range",
                                      "connect",
                                      "dup",
                                      "dup2",
                                      "dup3",
                                      "epoll_create1",
                                      "epoll_ctl",
                                      "epoll_pwait",
                                      "epoll_wait",
                                      "eventfd2",
                                      "execve",
                                      "execveat",
                                      "exit",
                                      "exit_group",
                                      "faccessat",
                                      "faccessat2",
                                      "fadvise64",
                                      "fchdir",
                                      "fchmod",
                                      "fchmodat",
                                      "fchown",
                                      "fchownat",
                                      "fcntl",
                                      "fdatasync",
                                      "flock",
                                      "fork",
                                      "fstat",
                                      "fstatfs",
                                      "fsync",
                                      "ftruncate",
                                      "futex",
                                      "getcwd",
                                      "getdents",
                                      "getdents64",
                                      "getegid",
                                      "geteuid",
                                      "getgid",
                                      "getgroups",
                                      "getitimer",
                                      "getpeername",
                                      "getpgid",
                                      "getpgrp",
                                      "getpid",
                                      "getppid",
                                      "getpriority",
                                      "getrandom",
                                      "getresgid",
                                      "getresuid",
                                      "getrlimit",
                                      "getrusage",
                                      "getsid",
                                      "getsockname",
                                      "getsockopt",
                                      "gettid",
                                      "gettimeofday",
                                      "getuid",
                                      "getxattr",
                                      "ioctl",
                                      "ioprio_get",
                                      "kill",
                                      "lchown",
                                      "lgetxattr",
                                      "link",
                                      "linkat",
                                      "listen",
                                      "lseek",
                                      "lstat",
                                      "madvise",
                                      "membarrier",
                                      "memfd_create",
                                      "mkdir",
                                      "mkdirat",
                                      "mmap",
                                      "mprotect",
                                      "mremap",
                                      "munmap",
                                      "nanosleep",
                                      "newfstatat",
                                      "open",
                                      "openat",
                                      "openat2",
                                      "pause",
                                      "pipe",
                                      "pipe2",
                                      "poll",
                                      "ppoll",
                                      "prctl",
                                      "pread64",
                                      "preadv",
                                      "prlimit64",
                                      "pselect6",
                                      "pwrite64",
                                      "pwritev",
                                      "read",
                                      "readlink",
                                      "readlinkat",
                                      "readv",
                                      "recvfrom",
                                      "recvmsg",
                                      "rename",
                                      "renameat",
                                      "renameat2",
                                      "restart_syscall",
                                      "rmdir",
                                      "rseq",
                                      "rt_sigaction",
                                      "rt_sigpending",
                                      "rt_sigprocmask",
                                      "rt_sigqueueinfo",
                                      "rt_sigreturn",
                                      "rt_sigsuspend",
                                      "rt_sigtimedwait",
                                      "sched_getaffinity",
                                      "sched_getparam",
                                      "sched_getscheduler",
                                      "sched_yield",
                                      "select",
                                      "sendmsg",
                                      "sendto",
                                      "set_robust_list",
                                      "set_tid_address",
                                      "setgid",
                                      "setgroups",
                                      "setitimer",
                                      "setpgid",
                                      "setpriority",
                                      "setresgid",
                                      "setresuid",
                                      "setsid",
                                      "setsockopt",
                                      "setuid",
                                      "shutdown",
                                      "sigaltstack",
                                      "socket",
                                      "socketpair",
                                      "stat",
                                      "statfs",
                                      "statx",
                                      "symlink",
                                      "symlinkat",
                                      "sysinfo",
                                      "tgkill",
                                      "time",
                                      "times",
                                      "tkill",
                                      "truncate",
                                      "umask",
                                      "uname",
                                      "unlink",
                                      "unlinkat",
                                      "utimensat",
                                      "vfork",
                                      "wait4",
                                      "waitid",
                                      "write",
                                      "writev"};
  nlohmann::json personality = rule({"personality"}, "SCMP_ACT_ALLOW");
  nlohmann::json rules = {rule(allowed, "SCMP_ACT_ALLOW")};
  for (unsigned long v : {0x0UL, 0x8UL, 0xffffffffUL}) {
    nlohmann::json p = personality;
    p["args"] = {{{"index", 0}, {"value", v}, {"op", "SCMP_CMP_EQ"}}};
    rules.push_back(p);
  }
  rules.push_back(rule({"mount", "umount2", "unshare", "setns", "ptrace", "bpf", "keyctl"}, "SCMP_ACT_ERRNO", 1));
  return {{"defaultAction", "SCMP_ACT_ERRNO"},
          {"defaultErrnoRet", 38},
          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
          {"syscalls", rules}};
}

TEST_F(SecuritySeccompTest, PodmanLikeDenyByDefaultProfileWorks) {
  for (bool nnp : {true, false}) {
    Bundle b;
    b.config["linux"]["seccomp"] = podman_like_profile();
    b.config["process"]["noNewPrivileges"] = nnp;
    b.set_args({"sh", "-c",
                "echo hi; probe errno-mkdir /dev/shm/d; ls / >/dev/null && echo listed; hostname other 2>&1; "
                "unshare -n true 2>&1; probe sched | grep personality"});
    Result r = minirun({"run", "-b", b.dir(), "podman"});
    ASSERT_EQ(r.code, 0) << "nnp=" << nnp << ": " << r.err << r.out;
    auto lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), 6u) << r.out;
    EXPECT_EQ(lines[0], "hi");
    EXPECT_EQ(lines[1], "ok");
    EXPECT_EQ(lines[2], "listed");
    EXPECT_NE(lines[3].find("Function not implemented"), std::string::npos) << "not listed: ENOSYS: " << lines[3];
    EXPECT_NE(lines[4].find("Operation not permitted"), std::string::npos) << lines[4];
    EXPECT_EQ(lines[5], "personality=0x0");
  }
}

TEST_F(SecuritySeccompTest, SecondRunLoadsTheCachedFilter) {
  Bundle b;
  b.config["linux"]["seccomp"] = allow_by_default({rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", 38)});
  b.set_args({"probe", "errno-mkdir", "/dev/shm/x"});
  Result first = minirun({"--debug", "run", "-b", b.dir(), "cache1"});
  EXPECT_EQ(first.out, "38\n");
  EXPECT_NE(first.err.find("seccomp: compiled"), std::string::npos) << first.err;
  Result second = minirun({"--debug", "run", "-b", b.dir(), "cache2"});
  EXPECT_EQ(second.out, "38\n") << "the cached program is enforced";
  EXPECT_NE(second.err.find("seccomp: using the cached filter"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("seccomp: compiled"), std::string::npos) << second.err;
  // A cache file is trusted only for the profile text it holds: one whose
  // text differs (by a byte) is compiled over, and the right filter runs.
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(root_ + "/.seccomp-cache")) {
    std::string blob = read_text(f.path());
    size_t at = blob.find("mkdirat");
    ASSERT_NE(at, std::string::npos) << "the cache holds the profile's text";
    blob[at] = 'r';  // "rkdirat"
    std::ofstream(f.path(), std::ios::binary | std::ios::trunc) << blob;
    ++files;
  }
  EXPECT_EQ(files, 1);
  Result tampered = minirun({"--debug", "run", "-b", b.dir(), "cache2b"});
  EXPECT_EQ(tampered.out, "38\n");
  EXPECT_NE(tampered.err.find("seccomp: compiled"), std::string::npos) << tampered.err;
  // Another profile is another key.
  b.config["linux"]["seccomp"]["syscalls"][0]["errnoRet"] = 13;
  b.save();
  Result third = minirun({"--debug", "run", "-b", b.dir(), "cache3"});
  EXPECT_EQ(third.out, "13\n");
  EXPECT_NE(third.err.find("seccomp: compiled"), std::string::npos) << third.err;
}

// The seccomp agent: accepts runc-style connections on a unix socket, keeps
// every listener fd, and answers each notification with -error.
class NotifyAgent {
 public:
  explicit NotifyAgent(const std::string& path, int error) : error_(error) {
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    bind(listen_fd_, reinterpret_cast<struct sockaddr*>(&a), sizeof a);
    listen(listen_fd_, 4);
    thread_ = std::thread([this] { serve(); });
  }
  ~NotifyAgent() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
    for (int fd : listeners_) close(fd);
  }
  std::vector<std::string> messages;  // the JSON payloads received
  std::vector<int> syscalls;          // nr of each notification answered

 private:
  void serve() {
    for (int rounds = 0; !stop_ && rounds < 300; ++rounds) {
      std::vector<struct pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (int fd : listeners_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      if (fds[0].revents & POLLIN) accept_one();
      for (size_t i = 1; i < fds.size(); ++i)
        if (fds[i].revents & POLLIN) answer(fds[i].fd);
    }
  }
  void accept_one() {
    int c = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    char buf[65536];
    struct iovec iov = {buf, sizeof buf};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
    if (n > 0) messages.emplace_back(buf, static_cast<size_t>(n));
    for (struct cmsghdr* h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(h), sizeof fd);
      listeners_.push_back(fd);
    }
    close(c);
  }
  void answer(int fd) {
    struct seccomp_notif req = {};
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
    syscalls.push_back(req.data.nr);
    struct seccomp_notif_resp resp = {};
    resp.id = req.id;
    resp.error = -error_;
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
  int listen_fd_ = -1, error_;
  std::vector<int> listeners_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(SecuritySeccompTest, NotifySendsTheListenerToTheAgent) {
  Bundle b;
  std::string path = root_ + "/agent.sock";
  b.config["linux"]["seccomp"] = allow_by_default({rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")});
  b.config["linux"]["seccomp"]["listenerPath"] = path;
  b.config["linux"]["seccomp"]["listenerMetadata"] = "agent-metadata";
  b.set_args({"probe", "errno-mkdir", "/dev/shm/x"});
  {
    NotifyAgent agent(path, 51);
    Result r = minirun({"run", "-b", b.dir(), "notify"});
    EXPECT_EQ(r.out, "51\n") << "the agent's answer is the syscall's result: " << r.err;
    ASSERT_EQ(agent.messages.size(), 1u);
    auto msg = nlohmann::json::parse(agent.messages[0]);
    EXPECT_EQ(msg["fds"], nlohmann::json({"seccompFd"}));
    EXPECT_EQ(msg["metadata"], "agent-metadata");
    EXPECT_GT(msg.value("pid", 0), 0);
    EXPECT_EQ(msg["state"]["id"], "notify");
    EXPECT_EQ(msg["state"]["status"], "creating");
    EXPECT_TRUE(msg.contains("ociVersion"));
    ASSERT_EQ(agent.syscalls.size(), 1u);
    EXPECT_EQ(agent.syscalls[0], SYS_mkdir);
  }
  expect_no_leftovers("notify");
  // exec: the exec'd process gets its own filter and listener.
  b.set_args({"probe", "sleep", "30"});
  unlink(path.c_str());
  NotifyAgent agent(path, 52);
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "notify2"}).code, 0);
  Result e = minirun({"exec", "notify2", "probe", "errno-mkdir", "/tmp/y"});
  EXPECT_EQ(e.out, "52\n") << e.err;
  EXPECT_EQ(agent.messages.size(), 2u);
  // Without listenerPath a NOTIFY profile is refused before anything runs.
  b.config["linux"]["seccomp"].erase("listenerPath");
  b.save();
  Result bad = minirun({"run", "-b", b.dir(), "notify3"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("listenerPath"), std::string::npos) << bad.err;
  expect_no_leftovers("notify3");
}

}  // namespace
}  // namespace minirun::test
