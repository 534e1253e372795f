// exec's flags; the words after the container id are the command's.
#include <gtest/gtest.h>

#include "runtime_cli_parse.h"

namespace minirun::runtime::cli {
namespace {

using testing::parse;

TEST(CliExec, EnvUserCapsAndGidsRepeat) {
  auto p = parse<ExecFlags>({"exec", "-e", "A=1", "--env", "B=2", "-u", "1000:1000", "--cap", "CAP_KILL", "-c",
                             "CAP_NET_RAW", "-g", "10", "--additional-gids", "20", "cl1", "true"});
  const ExecOptions& o = p.flags.o;
  EXPECT_EQ(o.env, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(o.user, "1000:1000");
  EXPECT_EQ(o.caps, (std::vector<std::string>{"CAP_KILL", "CAP_NET_RAW"}));
  EXPECT_EQ(p.flags.gids, (std::vector<std::string>{"10", "20"}));
  EXPECT_EQ(p.flags.words, (std::vector<std::string>{"cl1", "true"}));
}

TEST(CliExec, FlagsAfterTheContainerIdBelongToTheCommand) {
  auto p = parse<ExecFlags>({"exec", "-t", "--cwd", "/tmp", "cl1", "sh", "-c", "echo -e hi", "-t"});
  EXPECT_TRUE(p.flags.o.tty);
  EXPECT_EQ(p.flags.o.cwd, "/tmp");
  EXPECT_EQ(p.flags.words, (std::vector<std::string>{"cl1", "sh", "-c", "echo -e hi", "-t"}));
}

TEST(CliExec, RuncsOtherFlags) {
  auto p = parse<ExecFlags>({"exec", "-d", "--pid-file", "/tmp/cl-pid", "--console-socket", "/tmp/cl-sock",
                             "--preserve-fds", "1", "--no-new-privs", "--ignore-paused", "-p", "/tmp/cl-process.json",
                             "--process-label", "x", "--apparmor", "y", "cl1"});
  const ExecOptions& o = p.flags.o;
  EXPECT_TRUE(o.detach);
  EXPECT_EQ(o.pid_file, "/tmp/cl-pid");
  EXPECT_EQ(o.console_socket, "/tmp/cl-sock");
  EXPECT_EQ(o.preserve_fds, 1);
  EXPECT_TRUE(o.no_new_privs);
  EXPECT_TRUE(o.ignore_paused);
  EXPECT_EQ(o.process_file, "/tmp/cl-process.json");
  EXPECT_EQ(p.flags.words, (std::vector<std::string>{"cl1"}));
}

TEST(CliExec, NoWordsIsNoParseError) {
  // The command itself says a container id is required (exit 1, not 255).
  EXPECT_TRUE(parse<ExecFlags>({"exec"}).flags.words.empty());
}

}  // namespace
}  // namespace minirun::runtime::cli
