// create's and run's flags, bound straight into the launcher's options.
#include <gtest/gtest.h>

#include "runtime_cli_parse.h"

namespace minirun::runtime::cli {
namespace {

using testing::parse;

TEST(CliCreate, RuncsFlagsFillTheLaunchOptions) {
  auto p = parse<CreateFlags>({"create", "-b", "/tmp/cl-bundle", "--console-socket", "/tmp/cl-sock", "--pid-file",
                               "/tmp/cl-pid", "--preserve-fds", "2", "--no-pivot", "--no-new-keyring", "cl1"});
  const CreateOptions& o = p.flags.o;
  EXPECT_EQ(o.id, "cl1");
  EXPECT_EQ(o.bundle, "/tmp/cl-bundle");
  EXPECT_EQ(o.console_socket, "/tmp/cl-sock");
  EXPECT_EQ(o.pid_file, "/tmp/cl-pid");
  EXPECT_EQ(o.preserve_fds, 2);
  EXPECT_TRUE(o.no_pivot);
  EXPECT_TRUE(o.no_new_keyring);
  EXPECT_FALSE(o.foreground);
  EXPECT_FALSE(o.start_at_once);
}

TEST(CliCreate, GoStyleFlagsAsContainerdPassesThem) {
  auto p = parse<CreateFlags>({"create", "-bundle", "/tmp/cl-b", "-pid-file=/tmp/cl-p", "cl2"});
  EXPECT_EQ(p.flags.o.bundle, "/tmp/cl-b");
  EXPECT_EQ(p.flags.o.pid_file, "/tmp/cl-p");
  EXPECT_EQ(p.flags.o.id, "cl2");
}

TEST(CliCreate, TheIdIsRequiredAndPreserveFdsIsANumber) {
  EXPECT_THROW(parse<CreateFlags>({"create", "-b", "/tmp/cl-b"}), CLI::RequiredError);
  EXPECT_THROW(parse<CreateFlags>({"create", "--preserve-fds", "x", "cl1"}), CLI::ConversionError);
}

TEST(CliRun, SharesCreatesFlagsAndAddsItsOwn) {
  auto p = parse<RunFlags>({"run", "--pid-file", "/tmp/cl-pid", "-d", "--keep", "--no-subreaper", "cl1"});
  EXPECT_EQ(p.flags.o.pid_file, "/tmp/cl-pid");
  EXPECT_EQ(p.flags.o.id, "cl1");
  EXPECT_TRUE(p.flags.detach);
  EXPECT_TRUE(p.flags.keep);
  EXPECT_TRUE(p.flags.no_subreaper);
  auto q = parse<RunFlags>({"run", "cl-bundle/"});
  EXPECT_EQ(q.flags.o.id, "cl-bundle/");  // a bundle path: the command names the container
  EXPECT_FALSE(q.flags.detach);
}

}  // namespace
}  // namespace minirun::runtime::cli
