#include "runtime/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Output goes to memfds, read after the exit: no pipe to drain while the
// child runs, so a chatty child can never block on a full pipe.
std::string read_back(int fd) {
  std::string out;
  char buf[4096];
  ::lseek(fd, 0, SEEK_SET);
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

void write_all_ignoring_sigpipe(int fd, std::string_view data) {
  // A child that does not read its stdin must not kill us: SIGPIPE ignored
  // for the write only.  startContainer hooks run in the init, and an
  // ignored signal would stay ignored through the container's execve.
  struct sigaction ignore = {}, before = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &before);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::sigaction(SIGPIPE, &before, nullptr);
}

}  // namespace

SubprocessResult run_subprocess(const Subprocess& p, std::string_view input, const std::string& name) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw_errno(name + ": pipe");
  UniqueFd read_end(in[0]), write_end(in[1]);
  UniqueFd out, err;
  if (p.capture) {
    out.reset(::memfd_create("stdout", MFD_CLOEXEC));
    err.reset(::memfd_create("stderr", MFD_CLOEXEC));
    if (!out || !err) throw_errno(name + ": memfd_create");
  }
  std::vector<std::string> args = p.args.empty() ? std::vector<std::string>{p.path} : p.args;
  std::vector<std::string> env = p.env;
  auto argv = c_strings(args), envp = c_strings(env);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno(name + ": fork");
  if (pid == 0) {
    ::dup2(read_end.get(), STDIN_FILENO);
    if (p.capture) {
      ::dup2(out.get(), STDOUT_FILENO);
      ::dup2(err.get(), STDERR_FILENO);
    }
    if (p.cwd_fd >= 0 && ::fchdir(p.cwd_fd) != 0) ::_exit(127);
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::execve(p.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  read_end.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  write_all_ignoring_sigpipe(write_end.get(), input);
  write_end.reset();
  if (p.timeout_s && pidfd) {
    struct pollfd pfd = {pidfd.get(), POLLIN, 0};
    int rc;
    while ((rc = ::poll(&pfd, 1, *p.timeout_s * 1000)) < 0 && errno == EINTR) {
    }
    if (rc == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw Error(name + ": timed out after " + std::to_string(*p.timeout_s) + "s", ETIMEDOUT);
    }
  }
  SubprocessResult r;
  while (::waitpid(pid, &r.status, 0) < 0) {
    if (errno != EINTR) throw_errno(name + ": wait");
  }
  if (p.capture) {
    r.out = read_back(out.get());
    r.err = read_back(err.get());
  }
  return r;
}

void check_exit(const SubprocessResult& r, const std::string& name, const std::string& path) {
  if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) return;
  std::string said = r.err;
  while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
  if (auto nl = said.rfind('\n'); nl != std::string::npos) said.erase(0, nl + 1);
  if (!said.empty()) throw Error(name + ": " + said);
  if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127) throw Error(name + ": cannot execute " + path);
  if (WIFEXITED(r.status)) throw Error(name + ": exit status " + std::to_string(WEXITSTATUS(r.status)));
  throw Error(name + ": killed by signal " + std::to_string(WTERMSIG(r.status)));
}

}  // namespace minirun::runtime
