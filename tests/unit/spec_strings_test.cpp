// spec/strings.h: the splitting every library's parsers use.
#include <gtest/gtest.h>

#include "spec/error.h"
#include "spec/strings.h"
#include "spec/suggest.h"

namespace minirun {
namespace {

using V = std::vector<std::string>;

TEST(Strings, SplitKeepsEveryField) {
  EXPECT_EQ(split("a::b", ':'), (V{"a", "", "b"}));
  EXPECT_EQ(split("", ':'), (V{""}));
  EXPECT_EQ(split("root:x:0:0::/root:", ':'), (V{"root", "x", "0", "0", "", "/root", ""}));
  EXPECT_EQ(split("one\ntwo\n", '\n'), (V{"one", "two", ""}));
}

TEST(Strings, SplitWordsSkipsRunsOfBlanks) {
  EXPECT_EQ(split_words("  a  b\t c "), (V{"a", "b", "c"}));
  EXPECT_EQ(split_words(""), V{});
  EXPECT_EQ(split_words(" \t "), V{});
  EXPECT_EQ(split_words("36 35 98:0 / /mnt rw - ext4 /dev/x rw"),
            (V{"36", "35", "98:0", "/", "/mnt", "rw", "-", "ext4", "/dev/x", "rw"}));
}

TEST(Strings, ClosestNameFindsTyposOnly) {
  const std::vector<std::string_view> fields = {"terminal", "user", "args", "env", "cwd", "hostname", "consoleSize"};
  EXPECT_EQ(closest_name("termnial", fields), "terminal");
  EXPECT_EQ(closest_name("hostnmae", fields), "hostname");
  EXPECT_EQ(closest_name("consolesize", fields), "consoleSize");
  EXPECT_EQ(closest_name("detatch", {"detach", "keep", "bundle"}), "detach");
  EXPECT_EQ(closest_name("arg", fields), "args");
  EXPECT_EQ(closest_name("io.podman.annotations", fields), "") << "an engine's own key is no typo";
  EXPECT_EQ(closest_name("ab", fields), "") << "two letters are not close to anything";
  EXPECT_EQ(closest_name("x", {"y"}), "");
}

TEST(Strings, ParseIdStopsAtInt32) {
  EXPECT_EQ(parse_id("0", "--user"), 0u);
  EXPECT_EQ(parse_id("2147483647", "--user"), 2147483647u);
  EXPECT_EQ(parse_id("0001000", "--user"), 1000u);
  for (const char* big : {"2147483648", "4294967295", "4294967296", "99999999999999999999999"}) {
    try {
      parse_id(big, "/etc/passwd: svc");
      ADD_FAILURE() << big << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("/etc/passwd: svc: id ") + big + " is out of range (max 2147483647)");
    }
  }
  for (const char* bad : {"", "-1", "1x", " 1", "+1"}) EXPECT_THROW(parse_id(bad, "--user"), Error) << bad;
}

}  // namespace
}  // namespace minirun
