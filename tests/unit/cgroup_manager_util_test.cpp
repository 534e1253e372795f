// cgroup/manager_util.h: the pure helpers shared by the v1 and v2 managers.
#include "cgroup/manager_util.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "spec/error.h"

namespace minirun::cgroup {
namespace {

TEST(CgroupManagerUtil, DeviceAccessLettersBecomeTheCallersBits) {
  EXPECT_EQ(device_access_bits("", 1, 2, 4, "x"), 0u);
  EXPECT_EQ(device_access_bits("r", 1, 2, 4, "x"), 1u);
  EXPECT_EQ(device_access_bits("mw", 1, 2, 4, "x"), 6u);
  EXPECT_EQ(device_access_bits("rwm", 2, 4, 1, "x"), 7u);
  EXPECT_EQ(device_access_bits("m", 2, 4, 1, "x"), 1u);
}

TEST(CgroupManagerUtil, AnotherLetterIsAnErrorNamingTheField) {
  try {
    device_access_bits("rwx", 1, 2, 4, "linux.resources.devices");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "linux.resources.devices: invalid access \"rwx\"");
    EXPECT_EQ(e.error_number(), EINVAL);
  }
}

}  // namespace
}  // namespace minirun::cgroup
