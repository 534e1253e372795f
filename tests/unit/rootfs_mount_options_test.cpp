#include <gtest/gtest.h>
#include <sys/mount.h>

#include "rootfs/rootfs.h"

namespace minirun::rootfs {
namespace {

struct FlagCase {
  const char* option;
  unsigned long flags;
  unsigned long clear;
};

class MountFlagOption : public ::testing::TestWithParam<FlagCase> {};

TEST_P(MountFlagOption, SetsOrClearsOneFlag) {
  const FlagCase& c = GetParam();
  MountFlags f = parse_mount_options({c.option});
  EXPECT_EQ(f.flags, c.flags) << c.option;
  EXPECT_EQ(f.clear, c.clear) << c.option;
  EXPECT_EQ(f.propagation, 0UL);
  EXPECT_EQ(f.data, "");
}

INSTANTIATE_TEST_SUITE_P(Table, MountFlagOption,
                         ::testing::Values(FlagCase{"ro", MS_RDONLY, 0}, FlagCase{"rw", 0, MS_RDONLY},
                                           FlagCase{"nosuid", MS_NOSUID, 0}, FlagCase{"suid", 0, MS_NOSUID},
                                           FlagCase{"nodev", MS_NODEV, 0}, FlagCase{"dev", 0, MS_NODEV},
                                           FlagCase{"noexec", MS_NOEXEC, 0}, FlagCase{"exec", 0, MS_NOEXEC},
                                           FlagCase{"sync", MS_SYNCHRONOUS, 0}, FlagCase{"async", 0, MS_SYNCHRONOUS},
                                           FlagCase{"dirsync", MS_DIRSYNC, 0}, FlagCase{"remount", MS_REMOUNT, 0},
                                           FlagCase{"mand", MS_MANDLOCK, 0}, FlagCase{"nomand", 0, MS_MANDLOCK},
                                           FlagCase{"atime", 0, MS_NOATIME}, FlagCase{"noatime", MS_NOATIME, 0},
                                           FlagCase{"diratime", 0, MS_NODIRATIME},
                                           FlagCase{"nodiratime", MS_NODIRATIME, 0},
                                           FlagCase{"relatime", MS_RELATIME, 0}, FlagCase{"norelatime", 0, MS_RELATIME},
                                           FlagCase{"strictatime", MS_STRICTATIME, 0},
                                           FlagCase{"nostrictatime", 0, MS_STRICTATIME}, FlagCase{"bind", MS_BIND, 0},
                                           FlagCase{"rbind", MS_BIND | MS_REC, 0}, FlagCase{"defaults", 0, 0}));

struct PropagationCase {
  const char* option;
  unsigned long propagation;
};

class MountPropagationOption : public ::testing::TestWithParam<PropagationCase> {};

TEST_P(MountPropagationOption, SetsPropagation) {
  MountFlags f = parse_mount_options({GetParam().option});
  EXPECT_EQ(f.propagation, GetParam().propagation);
  EXPECT_EQ(f.flags, 0UL);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MountPropagationOption,
    ::testing::Values(PropagationCase{"private", MS_PRIVATE}, PropagationCase{"rprivate", MS_PRIVATE | MS_REC},
                      PropagationCase{"shared", MS_SHARED}, PropagationCase{"rshared", MS_SHARED | MS_REC},
                      PropagationCase{"slave", MS_SLAVE}, PropagationCase{"rslave", MS_SLAVE | MS_REC},
                      PropagationCase{"unbindable", MS_UNBINDABLE},
                      PropagationCase{"runbindable", MS_UNBINDABLE | MS_REC}));

TEST(ParseMountOptions, LaterOptionWins) {
  MountFlags f = parse_mount_options({"ro", "rw"});
  EXPECT_EQ(f.flags & MS_RDONLY, 0UL);
  EXPECT_EQ(f.clear, static_cast<unsigned long>(MS_RDONLY));
  f = parse_mount_options({"rw", "ro"});
  EXPECT_EQ(f.flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(f.clear, 0UL);
  f = parse_mount_options({"rshared", "private"});
  EXPECT_EQ(f.propagation, static_cast<unsigned long>(MS_PRIVATE));
}

TEST(ParseMountOptions, UnknownOptionsGoToDataInOrder) {
  MountFlags f = parse_mount_options({"nosuid", "mode=755", "strictatime", "size=65536k", "newinstance"});
  EXPECT_EQ(f.flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(f.data, "mode=755,size=65536k,newinstance");
}

TEST(ParseMountOptions, RroAndTmpcopyupAreFlagsNotData) {
  MountFlags f = parse_mount_options({"rbind", "rro", "tmpcopyup"});
  EXPECT_TRUE(f.recursive_readonly);
  EXPECT_TRUE(f.tmpcopyup);
  EXPECT_EQ(f.flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(f.data, "");
}

TEST(ParseMountOptions, RuncDefaultSpecMounts) {
  MountFlags proc = parse_mount_options({});
  EXPECT_EQ(proc.flags, 0UL);
  MountFlags dev = parse_mount_options({"nosuid", "strictatime", "mode=755", "size=65536k"});
  EXPECT_EQ(dev.flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(dev.data, "mode=755,size=65536k");
  MountFlags pts = parse_mount_options({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
  EXPECT_EQ(pts.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
  EXPECT_EQ(pts.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  MountFlags cg = parse_mount_options({"nosuid", "noexec", "nodev", "relatime", "ro"});
  EXPECT_EQ(cg.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));
}

}  // namespace
}  // namespace minirun::rootfs
