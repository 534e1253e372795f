// spec/strings.h: the splitting every library's parsers use.
#include <gtest/gtest.h>

#include "spec/strings.h"

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

}  // namespace
}  // namespace minirun
