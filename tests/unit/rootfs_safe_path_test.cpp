#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rootfs/safe_path.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

namespace fs = std::filesystem;

using OpenFn = UniqueFd (*)(int, const std::string&, int, mode_t);

struct Impl {
  const char* name;
  OpenFn open;
};

class SafePath : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rootfs-safe-path-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ / "etc");
    fs::create_directories(root_ / "dir" / "sub");
    std::ofstream(root_ / "etc" / "passwd") << "inside\n";
    std::ofstream(root_ / "dir" / "file") << "file\n";
    fs::create_symlink("/etc", root_ / "abs");
    fs::create_symlink("../../../../../../etc", root_ / "dir" / "up");
    fs::create_symlink("dir/../../../etc/passwd", root_ / "relup");
    fs::create_symlink("loop2", root_ / "loop1");
    fs::create_symlink("/loop1", root_ / "loop2");
    fs::create_symlink("/made/here", root_ / "dangling");
    fs::create_symlink("/etc/passwd", root_ / "dir" / "sub" / "pw");
    root_fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_);
  }
  void TearDown() override { fs::remove_all(root_); }

  UniqueFd open(const std::string& path, int flags, mode_t mode = 0) {
    return GetParam().open(root_fd_.get(), path, flags, mode);
  }
  static struct stat stat_fd(int fd) {
    struct stat st {};
    EXPECT_EQ(::fstat(fd, &st), 0);
    return st;
  }
  static struct stat stat_path(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st;
  }
  // The resolved fd is the very inode at `inside` (a path under the root).
  void expect_resolves_to(const std::string& path, const fs::path& inside) {
    UniqueFd fd = open(path, O_PATH);
    struct stat got = stat_fd(fd.get());
    struct stat want = stat_path(root_ / inside);
    EXPECT_EQ(got.st_dev, want.st_dev) << path;
    EXPECT_EQ(got.st_ino, want.st_ino) << path << " should be " << inside;
  }
  int open_errno(const std::string& path, int flags) {
    try {
      open(path, flags);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      return e.error_number();
    }
    return 0;
  }

  fs::path root_;
  UniqueFd root_fd_;
};

TEST_P(SafePath, PlainPaths) {
  expect_resolves_to("etc/passwd", "etc/passwd");
  expect_resolves_to("/etc/passwd", "etc/passwd");
  expect_resolves_to("//dir/./file", "dir/file");
  expect_resolves_to("", ".");
  expect_resolves_to("/", ".");
}

TEST_P(SafePath, AbsoluteSymlinkStaysInRoot) {
  expect_resolves_to("abs/passwd", "etc/passwd");
  expect_resolves_to("dir/sub/pw", "etc/passwd");
  // The host's /etc has os-release; the root's /etc does not.
  ASSERT_TRUE(fs::exists("/etc/os-release") || fs::exists("/etc/hostname"));
  EXPECT_EQ(open_errno("abs/os-release", O_PATH), ENOENT);
  EXPECT_EQ(open_errno("abs/hostname", O_PATH), ENOENT);
}

TEST_P(SafePath, DotDotIsClampedAtRoot) {
  expect_resolves_to("../../../etc/passwd", "etc/passwd");
  expect_resolves_to("dir/../../..", ".");
  expect_resolves_to("dir/up/passwd", "etc/passwd");
  expect_resolves_to("relup", "etc/passwd");
}

TEST_P(SafePath, SymlinkLoopIsEloop) { EXPECT_EQ(open_errno("loop1", O_PATH), ELOOP); }

TEST_P(SafePath, MissingIsEnoent) {
  EXPECT_EQ(open_errno("nope", O_PATH), ENOENT);
  EXPECT_EQ(open_errno("dir/file/x", O_PATH), ENOTDIR);
}

TEST_P(SafePath, ReadsThroughSymlink) {
  UniqueFd fd = open("abs/passwd", O_RDONLY);
  char buf[16] = {};
  ASSERT_EQ(::read(fd.get(), buf, sizeof(buf)), 7);
  EXPECT_STREQ(buf, "inside\n");
}

TEST_P(SafePath, NofollowReturnsTheLinkItself) {
  UniqueFd fd = open("abs", O_PATH | O_NOFOLLOW);
  EXPECT_TRUE(S_ISLNK(stat_fd(fd.get()).st_mode));
}

TEST_P(SafePath, CreateThroughDanglingSymlinkLandsInRoot) {
  fs::create_directories(root_ / "made");
  UniqueFd fd = open("dangling", O_CREAT | O_WRONLY, 0600);
  EXPECT_TRUE(fs::is_regular_file(root_ / "made" / "here"));
  EXPECT_FALSE(fs::exists("/made/here"));
  struct stat st = stat_fd(fd.get());
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_P(SafePath, CreateExclOnExistingIsEexist) {
  EXPECT_EQ(open_errno("etc/passwd", O_CREAT | O_EXCL | O_WRONLY), EEXIST);
}

INSTANTIATE_TEST_SUITE_P(Both, SafePath,
                         ::testing::Values(Impl{"openat2", &open_in_root}, Impl{"walk", &open_in_root_by_walk}),
                         [](const auto& info) { return std::string(info.param.name); });

class SafePathHelpers : public SafePath {};

TEST_F(SafePathHelpers, MkdirAllFollowsLinksInsideRoot) {
  UniqueFd fd = mkdir_all_in_root(root_fd_.get(), "/abs/a/b");
  EXPECT_TRUE(fs::is_directory(root_ / "etc" / "a" / "b"));
  struct stat got = stat_fd(fd.get());
  EXPECT_EQ(got.st_ino, stat_path(root_ / "etc" / "a" / "b").st_ino);
  UniqueFd again = mkdir_all_in_root(root_fd_.get(), "/etc/a/b");
  EXPECT_EQ(stat_fd(again.get()).st_ino, got.st_ino);
}

TEST_F(SafePathHelpers, MkdirAllCreatesDanglingTargetInRoot) {
  mkdir_all_in_root(root_fd_.get(), "dangling/x");
  EXPECT_TRUE(fs::is_directory(root_ / "made" / "here" / "x"));
  EXPECT_FALSE(fs::exists("/made"));
}

TEST_F(SafePathHelpers, MkdirAllOverFileIsEnotdir) {
  try {
    mkdir_all_in_root(root_fd_.get(), "dir/file/x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.error_number(), ENOTDIR);
    EXPECT_NE(std::string(e.what()).find("dir/file/x"), std::string::npos) << e.what();
  }
}

TEST_F(SafePathHelpers, MakeFileCreatesParents) {
  UniqueFd fd = make_file_in_root(root_fd_.get(), "/abs/x/y/hosts", 0640);
  ASSERT_TRUE(fs::is_regular_file(root_ / "etc" / "x" / "y" / "hosts"));
  EXPECT_EQ(stat_fd(fd.get()).st_ino, stat_path(root_ / "etc" / "x" / "y" / "hosts").st_ino);
  EXPECT_EQ(::fcntl(fd.get(), F_GETFL) & O_PATH, O_PATH);
  // An existing file is opened, not truncated.
  UniqueFd same = make_file_in_root(root_fd_.get(), "/etc/passwd");
  EXPECT_EQ(fs::file_size(root_ / "etc" / "passwd"), 7u);
}

TEST(FdPath, IsProcSelfFd) { EXPECT_EQ(fd_path(7), "/proc/self/fd/7"); }

}  // namespace
}  // namespace minirun::rootfs
