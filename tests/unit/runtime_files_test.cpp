// runtime/files.h: the container's user database read without trusting it,
// state files of the caller only, temp files no planted name redirects.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "runtime/files.h"

namespace minirun::runtime {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/minirun-files-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

auto name_is(const std::string& name) {
  return [name](const std::vector<std::string>& f) { return f.size() >= 3 && f[0] == name; };
}

TEST_F(FilesTest, ColonRecordSkipsOverlongLines) {
  std::string passwd = dir_ + "/passwd";
  std::ofstream(passwd) << "root:x:0:0::/root:/bin/sh\n"
                        << std::string(70000, 'a') << ":x:1:1::/:\n"
                        << "svc:x:1000:1000::/home/svc:/bin/sh";  // no final newline
  auto svc = find_colon_record(passwd, name_is("svc"));
  ASSERT_TRUE(svc);
  EXPECT_EQ((*svc)[5], "/home/svc");
  EXPECT_FALSE(find_colon_record(passwd, name_is(std::string(70000, 'a'))));
  EXPECT_FALSE(find_colon_record(dir_ + "/absent", name_is("root")));
}

TEST_F(FilesTest, ColonRecordRefusesWhatIsNotARegularFile) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::symlink("/dev/zero", (dir_ + "/zero").c_str()), 0);
  for (const std::string& path : {fifo, dir_ + "/zero", std::string("/dev/zero")}) {
    try {
      find_colon_record(path, name_is("root"));
      ADD_FAILURE() << path << " was read";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
}

TEST_F(FilesTest, PidFileNeverFollowsAPlantedTempName) {
  std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "victim\n";
  std::string pid = dir_ + "/pid";
  ASSERT_EQ(::symlink(victim.c_str(), (pid + ".minirun-tmp").c_str()), 0);
  ASSERT_EQ(::symlink(victim.c_str(), (pid + ".tmp").c_str()), 0);
  write_pid_file(pid, 42);
  std::string text;
  ASSERT_TRUE(try_read_file(pid, text));
  EXPECT_EQ(text, "42");
  ASSERT_TRUE(try_read_file(victim, text));
  EXPECT_EQ(text, "victim\n");
  struct stat st;
  ASSERT_EQ(::stat(pid.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  // Nothing but the pid file and the planted names.
  EXPECT_EQ(std::system(("test $(ls -A " + dir_ + " | wc -l) -eq 4").c_str()), 0);
}

TEST_F(FilesTest, OwnedFileRefusesLinksAndSharedFiles) {
  std::string state = dir_ + "/state.json";
  std::ofstream(state) << "{}";
  ::chmod(state.c_str(), 0600);
  EXPECT_EQ(read_owned_file(state), "{}");
  ASSERT_EQ(::symlink(state.c_str(), (dir_ + "/link").c_str()), 0);
  EXPECT_THROW(read_owned_file(dir_ + "/link"), Error);
  ::chmod(state.c_str(), 0666);
  try {
    read_owned_file(state);
    ADD_FAILURE() << "a world-writable state file was trusted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("writable by group or others (mode 0666)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minirun::runtime
