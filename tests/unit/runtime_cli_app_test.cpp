// The global flags: runc's spelling, Go's flag package habits.
#include <gtest/gtest.h>

#include "runtime_cli_parse.h"

namespace minirun::runtime::cli {
namespace {

using testing::parse;

TEST(CliGlobals, RootLogLogFormatAndSystemdCgroupLandInGlobals) {
  auto p = parse<ListFlags>({"--root", "/tmp/cl-r", "--log", "/tmp/cl-log", "--log-format", "json", "--systemd-cgroup",
                             "--debug", "list"});
  EXPECT_EQ(p.globals.root, "/tmp/cl-r");
  EXPECT_EQ(p.globals.log, "/tmp/cl-log");
  EXPECT_EQ(p.globals.log_format, "json");
  EXPECT_TRUE(p.globals.systemd_cgroup);
  EXPECT_TRUE(p.globals.debug);
}

TEST(CliGlobals, DefaultsAreRuncs) {
  auto p = parse<ListFlags>({"list"});
  EXPECT_EQ(p.globals.root, "");  // default_state_root() when a command needs it
  EXPECT_EQ(p.globals.log, "");
  EXPECT_EQ(p.globals.log_format, "text");
  EXPECT_FALSE(p.globals.systemd_cgroup);
  EXPECT_EQ(p.globals.rootless, "auto");
}

TEST(CliGlobals, GoStyleSingleDashAndEqualsAreTakenAsRuncTakesThem) {
  auto p = parse<ListFlags>({"-root", "/tmp/cl-a", "-log-format=json", "-systemd-cgroup", "list"});
  EXPECT_EQ(p.globals.root, "/tmp/cl-a");
  EXPECT_EQ(p.globals.log_format, "json");
  EXPECT_TRUE(p.globals.systemd_cgroup);
}

TEST(CliGlobals, ARepeatedOptionTakesItsLastValue) {
  auto p = parse<ListFlags>({"--root", "/tmp/cl-a", "--root=/tmp/cl-b", "list"});
  EXPECT_EQ(p.globals.root, "/tmp/cl-b");
}

TEST(CliGlobals, AnUnknownLogFormatIsRefused) {
  EXPECT_THROW(parse<ListFlags>({"--log-format", "xml", "list"}), CLI::ValidationError);
}

TEST(CliGlobals, CommandWordSkipsGlobalFlagsAndTheirValues) {
  const char* argv1[] = {"minirun", "--root", "run", "--log=x", "--debug", "kill", "c1"};
  EXPECT_STREQ(command_word(7, const_cast<char**>(argv1)), "kill");
  const char* argv2[] = {"minirun", "--systemd-cgroup"};
  EXPECT_EQ(command_word(2, const_cast<char**>(argv2)), nullptr);
  const char* argv3[] = {"minirun", "--", "state"};
  EXPECT_STREQ(command_word(3, const_cast<char**>(argv3)), "state");
}

TEST(CliList, FormatAndQuiet) {
  auto p = parse<ListFlags>({"list", "-f", "json", "-q"});
  EXPECT_EQ(p.flags.format, "json");
  EXPECT_TRUE(p.flags.quiet);
  EXPECT_EQ(parse<ListFlags>({"list"}).flags.format, "table");
  EXPECT_THROW(parse<ListFlags>({"list", "--format", "yaml"}), CLI::ValidationError);
}

}  // namespace
}  // namespace minirun::runtime::cli
