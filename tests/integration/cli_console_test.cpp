// Issue 5: terminals.  --console-socket hands the pty master over a unix
// socket (SCM_RIGHTS), as conmon and containerd's shim receive it; a
// foreground `run` with process.terminal relays a pty to the caller's
// terminal and restores its mode.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "console_socket.h"
#include "harness.h"

namespace minirun::test {
namespace {


class CliConsoleTest : public MinirunTest {
 protected:
  std::string socket_path(const std::string& name) { return root_ + "/" + name + ".sock"; }
};

TEST_F(CliConsoleTest, CreateSendsThePtyMasterOverTheConsoleSocket) {
  Bundle b;
  b.config["process"]["args"] = {"sh", "-c", "tty; stty size; read line; echo got:$line; exit 0"};
  b.config["process"]["terminal"] = true;
  b.config["process"]["consoleSize"] = {{"height", 33}, {"width", 111}};
  b.save();
  ConsoleSocket sock(socket_path("create"));
  std::thread peer([&] { sock.receive(); });
  Result c = minirun({"create", "--console-socket", sock.path(), "-b", b.dir(), "tty1"});
  peer.join();
  ASSERT_EQ(c.code, 0) << c.err;
  int master = sock.master();
  ASSERT_GE(master, 0) << "no fd arrived on the console socket";
  EXPECT_EQ(sock.name(), "/dev/ptmx") << "runc sends the pty's name next to the fd";
  ASSERT_EQ(minirun({"start", "tty1"}).code, 0);
  std::string out = read_until(master, "33 111");
  EXPECT_NE(out.find("/dev/pts/0"), std::string::npos) << "the container's own devpts: " << out;
  EXPECT_NE(out.find("33 111"), std::string::npos) << "consoleSize applied: " << out;
  ASSERT_EQ(write(master, "typed\n", 6), 6);
  out = read_until(master, "");
  EXPECT_NE(out.find("got:typed\r\n"), std::string::npos) << "input through the master reaches it: " << out;
  EXPECT_EQ(minirun({"delete", "-f", "tty1"}).code, 0);
  expect_no_leftovers("tty1");
}

TEST_F(CliConsoleTest, ExecTtyOverTheConsoleSocket) {
  Bundle b;
  b.set_args({"sleep", "1000"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "tty2"}).code, 0);
  for (bool detach : {true, false}) {
    ConsoleSocket sock(socket_path(detach ? "execd" : "exec"));
    std::vector<std::string> args = {"exec", "-t", "--console-socket", sock.path()};
    if (detach) args.push_back("-d");
    args.insert(args.end(), {"tty2", "sh", "-c", "tty; [ -t 0 ] && echo stdin-is-tty; exit 4"});
    Result r;
    std::thread run([&] { r = minirun(args); });
    int master = sock.receive();
    ASSERT_GE(master, 0) << "exec -t sent no pty master";
    std::string out = read_until(master, "");
    run.join();
    EXPECT_EQ(r.code, detach ? 0 : 4) << r.err;
    EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
    EXPECT_NE(out.find("stdin-is-tty"), std::string::npos) << out;
  }
}

TEST_F(CliConsoleTest, TtyErrorsAsRunc) {
  Bundle b;
  b.config["process"]["args"] = {"sh"};
  b.config["process"]["terminal"] = true;
  b.save();
  Result c = minirun({"create", "-b", b.dir(), "notty"});
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("cannot allocate tty if minirun will detach without setting console socket"), std::string::npos)
      << c.err;
  expect_no_leftovers("notty");
  Result d = minirun({"run", "-d", "-b", b.dir(), "notty"});
  EXPECT_EQ(d.code, 1);
  expect_no_leftovers("notty");
  b.set_args({"sleep", "1000"});
  Result s = minirun({"create", "--console-socket", socket_path("none"), "-b", b.dir(), "sockwithouttty"});
  EXPECT_EQ(s.code, 1) << "a console socket without process.terminal";
  expect_no_leftovers("sockwithouttty");
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "ttyexec"}).code, 0);
  Result e = minirun({"exec", "-t", "-d", "ttyexec", "true"});
  EXPECT_EQ(e.code, 255);
  EXPECT_NE(e.err.find("cannot allocate tty"), std::string::npos) << e.err;
  // A console socket nobody listens on: create fails and leaves nothing.
  b.config["process"]["terminal"] = true;
  b.save();
  Result dead = minirun({"create", "--console-socket", socket_path("nobody"), "-b", b.dir(), "deadsock"});
  EXPECT_EQ(dead.code, 1);
  EXPECT_NE(dead.err.find(socket_path("nobody")), std::string::npos) << dead.err;
  expect_no_leftovers("deadsock");
}

// `minirun run` on a terminal: raw mode while it runs, restored after.
TEST_F(CliConsoleTest, ForegroundTtyRunRelaysAndRestoresTheTerminal) {
  Bundle b;
  b.config["process"]["args"] = {"sh"};
  b.config["process"]["terminal"] = true;
  b.config["process"]["env"] = {"PATH=/bin", "TERM=dumb", "PS1=prompt# "};
  b.save();
  int master, slave;
  struct winsize ws = {40, 120, 0, 0};
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  struct termios before;
  ASSERT_EQ(tcgetattr(slave, &before), 0);
  ASSERT_TRUE(before.c_lflag & ECHO);
  std::string root = root_, dir = b.dir();
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    for (int fd = 0; fd < 3; ++fd) dup2(slave, fd);
    close(master);
    close(slave);
    execl(MINIRUN_BIN, MINIRUN_BIN, "--root", root.c_str(), "run", "-b", dir.c_str(), "ttyrun", nullptr);
    _exit(127);
  }
  std::string out = read_until(master, "prompt# ");
  ASSERT_NE(out.find("prompt# "), std::string::npos) << "no shell prompt: " << out;
  struct termios during;
  ASSERT_EQ(tcgetattr(slave, &during), 0);
  EXPECT_FALSE(during.c_lflag & (ECHO | ICANON)) << "the caller's terminal is raw while the container runs";
  const char input[] = "stty size; echo hi; exit 3\n";
  ASSERT_EQ(write(master, input, sizeof input - 1), static_cast<ssize_t>(sizeof input - 1));
  int status = 0;
  for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; ++i) {
    out += read_until(master, "", 20);
  }
  if (waitpid(pid, &status, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << "minirun run did not exit";
  }
  fcntl(master, F_SETFL, O_NONBLOCK);
  out += read_until(master, "", 100);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "status " << status << ": " << out;
  EXPECT_NE(out.find("\r\nhi\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("40 120"), std::string::npos) << "window size copied from the caller's terminal: " << out;
  struct termios after;
  ASSERT_EQ(tcgetattr(slave, &after), 0);
  EXPECT_EQ(after.c_lflag, before.c_lflag) << "terminal mode restored";
  EXPECT_EQ(after.c_iflag, before.c_iflag);
  EXPECT_EQ(after.c_oflag, before.c_oflag);
  close(master);
  close(slave);
  expect_no_leftovers("ttyrun");
}

}  // namespace
}  // namespace minirun::test
