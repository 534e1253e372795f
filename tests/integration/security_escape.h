// The SecurityEscapeTest fixture, shared by every security_escape_*_test.cpp:
// a host dir with one secret file that no attack may read, change or mount on.
#pragma once

#include <fstream>
#include <string>

#include "harness.h"

namespace minirun::test {

class SecurityEscapeTest : public MinirunTest {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    host_dir_ = make_temp_dir("minirun-hostdir");
    std::ofstream(host_dir_ + "/secret") << "host secret\n";
  }
  void TearDown() override {
    MinirunTest::TearDown();
    remove_tree(host_dir_);
  }
  // The host dir holds exactly its one file, unchanged, and nothing is mounted on it.
  void expect_host_untouched() {
    EXPECT_EQ(read_text(host_dir_ + "/secret"), "host secret\n");
    Result ls = run_command({"ls", "-A", host_dir_});
    EXPECT_EQ(ls.out, "secret\n") << "new files in the host dir";
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(host_dir_), std::string::npos) << "host dir mounted on";
  }
  static void erase_mount(nlohmann::json& mounts, const std::string& dest) {
    for (auto it = mounts.begin(); it != mounts.end(); ++it)
      if ((*it)["destination"] == dest) {
        mounts.erase(it);
        return;
      }
  }
  std::string host_dir_;
};

}  // namespace minirun::test
