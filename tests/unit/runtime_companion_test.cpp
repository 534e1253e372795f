// The runner behind hooks and companion programs, on real child processes:
// a throwaway `minirun-fake` script in a temp dir stands in for a companion.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/companion.h"
#include "runtime/subprocess.h"
#include "spec/error.h"

namespace fs = std::filesystem;
using namespace minirun;
using namespace minirun::runtime;

namespace {

class CompanionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirun-companion-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::setenv("MINIRUN_LIBEXEC_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("MINIRUN_LIBEXEC_DIR");
    fs::remove_all(dir_);
  }
  void script(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
  }
  std::string dir_;
};

TEST_F(CompanionTest, ArgsAndStdinInStdoutOut) {
  script("minirun-fake", "echo \"args: $*\"; cat");
  EXPECT_EQ(run_companion("minirun-fake", {"a", "b c"}, "from stdin\n"), "args: a b c\nfrom stdin\n");
}

TEST_F(CompanionTest, FailureCarriesItsLastStderrLine) {
  script("minirun-fake", "echo progress >&2; echo 'StartTransientUnit: Access denied' >&2; exit 3");
  try {
    run_companion("minirun-fake", {});
    FAIL() << "a failing companion did not throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "minirun-fake: StartTransientUnit: Access denied");
  }
}

TEST_F(CompanionTest, SilentFailureSaysItsStatus) {
  script("minirun-fake", "exit 4");
  EXPECT_THROW(
      {
        try {
          run_companion("minirun-fake", {});
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "minirun-fake: exit status 4");
          throw;
        }
      },
      Error);
}

TEST_F(CompanionTest, MissingCompanionNamesWhereItLooked) {
  try {
    companion_path("minirun-nonexistent");
    FAIL() << "found a companion that does not exist";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("minirun-nonexistent is not installed"), std::string::npos) << msg;
    EXPECT_NE(msg.find(dir_ + "/minirun-nonexistent"), std::string::npos) << msg;
  }
}

TEST_F(CompanionTest, ChattyChildDoesNotBlock) {
  // More than a pipe's 64 KiB on both streams: captured into memfds, so the
  // child never waits for a reader.
  script("minirun-fake", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2; exit 0");
  EXPECT_EQ(run_companion("minirun-fake", {}).size(), 300000u);
}

TEST(Subprocess, TimeoutKillsAndSaysSo) {
  Subprocess p{"/bin/sleep", {"/bin/sleep", "30"}, {}, -1, 1, false};
  try {
    run_subprocess(p, {}, "sleeper");
    FAIL() << "no timeout";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "sleeper: timed out after 1s");
  }
}

}  // namespace
