#include "runtime/console.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace minirun::runtime {

Pty open_pty(const std::optional<spec::ConsoleSize>& size) {
  Pty pty;
  pty.master.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.master) throw_errno("open /dev/ptmx");
  int unlock = 0;
  if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) != 0) throw_errno("unlock pty");
  pty.slave.reset(::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pty.slave) throw_errno("open pty peer");
  struct stat st;
  // Unix98 pty slaves are char devices with majors 136-143.
  if (::fstat(pty.slave.get(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143)
    throw Error("console: the pty peer is not a pty slave device");
  if (size && size->height && size->width) {
    struct winsize ws = {};
    ws.ws_row = static_cast<unsigned short>(size->height);
    ws.ws_col = static_cast<unsigned short>(size->width);
    ::ioctl(pty.master.get(), TIOCSWINSZ, &ws);
  }
  return pty;
}

void attach_console(int slave) {
  if (::ioctl(slave, TIOCSCTTY, 0) != 0) throw_errno("set controlling terminal");
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(slave, fd) < 0) throw_errno("dup2 console");
}

void give_console_to(int slave, uid_t uid) {
  struct stat st;
  if (::fstat(slave, &st) != 0) throw_errno("console: fstat the pty");
  if (st.st_uid == uid) return;
  // As runc: EINVAL (the uid or the gid is not mapped in the user
  // namespace), EPERM (the owner is not) and EROFS leave it as it is.
  if (::fchown(slave, uid, static_cast<gid_t>(-1)) != 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
    throw_errno("console: chown the pty to uid " + std::to_string(uid));
}

static const int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, SIGPIPE};

static sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kForwarded) sigaddset(&set, s);
  return set;
}

void block_forwarded_signals() {
  sigset_t set = forwarded_set();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_all_signals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

static void copy_window_size(int from, int to) {
  struct winsize ws;
  if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

static bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return true;  // the reader went away; keep draining
    off += w;
  }
  return true;
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int forward_and_wait(pid_t child, int pty_master) {
  sigset_t set = forwarded_set();
  UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!sfd) throw_errno("signalfd");
  struct termios saved;
  bool raw = pty_master >= 0 && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    ::cfmakeraw(&t);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &t);
  }
  if (pty_master >= 0 && ::isatty(STDIN_FILENO)) copy_window_size(STDIN_FILENO, pty_master);
  bool stdin_open = pty_master >= 0;
  int status = 0;
  bool done = false;
  while (!done) {
    struct pollfd fds[3] = {{sfd.get(), POLLIN, 0}, {pty_master, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      if (!pump(pty_master, STDOUT_FILENO)) fds[1].fd = -1;
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      if (!pump(STDIN_FILENO, pty_master)) stdin_open = false;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (::read(sfd.get(), &si, sizeof si) != sizeof si) continue;
      int sig = static_cast<int>(si.ssi_signo);
      if (sig == SIGCHLD) {
        // We may be a subreaper: reap everything, note our child's status.
        pid_t p;
        int st;
        while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
          if (p == child) {
            status = st;
            done = true;
          }
        }
      } else if (sig == SIGWINCH && pty_master >= 0) {
        // The resize makes the kernel signal the terminal's foreground group.
        copy_window_size(STDIN_FILENO, pty_master);
      } else if (sig != SIGPIPE) {
        ::kill(child, sig);
      }
    }
  }
  if (pty_master >= 0) {
    // Drain what the process wrote before it exited.
    int fl = ::fcntl(pty_master, F_GETFL);
    ::fcntl(pty_master, F_SETFL, fl | O_NONBLOCK);
    while (pump(pty_master, STDOUT_FILENO)) {
    }
  }
  if (raw) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return exit_code(status);
}

}  // namespace minirun::runtime
