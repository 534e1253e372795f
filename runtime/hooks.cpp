#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/log.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void run_hook(const spec::Hook& hook, const std::string& state_json, const std::string& name, int cwd_fd) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw_errno(name + ": pipe");
  UniqueFd read_end(in[0]), write_end(in[1]);
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<std::string> env = hook.env;
  auto argv = c_strings(args), envp = c_strings(env);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno(name + ": fork");
  if (pid == 0) {
    ::dup2(read_end.get(), STDIN_FILENO);
    if (cwd_fd >= 0 && ::fchdir(cwd_fd) != 0) ::_exit(127);
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  read_end.reset();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // A hook that does not read its stdin must not kill us: SIGPIPE ignored
  // for the write only.  startContainer hooks run in the init, and an
  // ignored signal would stay ignored through the container's execve (and
  // the next hook's).
  struct sigaction ignore = {}, before = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &before);
  size_t off = 0;
  while (off < state_json.size()) {
    ssize_t n = ::write(write_end.get(), state_json.data() + off, state_json.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::sigaction(SIGPIPE, &before, nullptr);
  write_end.reset();
  if (hook.timeout && pidfd) {
    struct pollfd p = {pidfd.get(), POLLIN, 0};
    int rc;
    while ((rc = ::poll(&p, 1, *hook.timeout * 1000)) < 0 && errno == EINTR) {
    }
    if (rc == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw Error(name + ": timed out after " + std::to_string(*hook.timeout) + "s");
    }
  }
  int status;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno(name + ": wait");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw Error(name + ": cannot execute " + hook.path);
  if (WIFEXITED(status)) throw Error(name + ": exit status " + std::to_string(WEXITSTATUS(status)));
  throw Error(name + ": killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace

void run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json, const char* phase,
               const std::string& cwd) {
  if (hooks.empty()) return;
  // Opened here, so a missing dir fails with its name; the child only fchdirs.
  UniqueFd dir;
  if (!cwd.empty()) {
    dir.reset(::open(cwd.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno(std::string(phase) + " hooks: open their working directory " + cwd);
  }
  for (size_t i = 0; i < hooks.size(); ++i) {
    std::string name = std::string(phase) + " hook #" + std::to_string(i) + " (" + hooks[i].path + ")";
    if (debug_enabled()) log_debug("running " + name);
    run_hook(hooks[i], state_json, name, dir.get());
  }
}

}  // namespace minirun::runtime
