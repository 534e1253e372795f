// kill's and delete's flags.
#include <gtest/gtest.h>

#include "runtime_cli_parse.h"

namespace minirun::runtime::cli {
namespace {

using testing::parse;

TEST(CliKill, SignalDefaultsToSigtermAndAllReachesEveryProcess) {
  auto p = parse<KillFlags>({"kill", "cl1"});
  EXPECT_EQ(p.flags.id, "cl1");
  EXPECT_EQ(p.flags.signal, "SIGTERM");
  EXPECT_FALSE(p.flags.all);
  auto q = parse<KillFlags>({"kill", "--all", "cl1", "KILL"});
  EXPECT_TRUE(q.flags.all);
  EXPECT_EQ(q.flags.signal, "KILL");
  EXPECT_TRUE(parse<KillFlags>({"kill", "-a", "cl1", "9"}).flags.all);
  EXPECT_TRUE(parse<KillFlags>({"kill", "-all", "cl1"}).flags.all);  // Go's single dash
}

TEST(CliKill, TheIdIsRequired) { EXPECT_THROW(parse<KillFlags>({"kill"}), CLI::RequiredError); }

TEST(CliDelete, ForceAndManyIds) {
  auto p = parse<DeleteFlags>({"delete", "-f", "cl1", "cl2"});
  EXPECT_TRUE(p.flags.force);
  EXPECT_EQ(p.flags.ids, (std::vector<std::string>{"cl1", "cl2"}));
  EXPECT_TRUE(parse<DeleteFlags>({"delete", "--force", "cl1"}).flags.force);
  EXPECT_FALSE(parse<DeleteFlags>({"delete", "cl1"}).flags.force);
}

TEST(CliDelete, GoStyleFalseForABoolFlag) {
  EXPECT_FALSE(parse<DeleteFlags>({"delete", "-f=false", "cl1"}).flags.force);
  EXPECT_TRUE(parse<DeleteFlags>({"delete", "-force=true", "cl1"}).flags.force);
}

}  // namespace
}  // namespace minirun::runtime::cli
