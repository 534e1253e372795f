// overlay_mount_data needs no privileges: layers are only stat()ed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

namespace fs = std::filesystem;

class OverlayData : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rootfs-overlay-data-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* d : {"l1", "l2", "up", "work", "odd:name,x"}) fs::create_directories(dir_ / d);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const char* name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(OverlayData, JoinsLayersTopFirst) {
  Overlay o{{at("l1"), at("l2")}, at("up"), at("work"), at("merged")};
  EXPECT_EQ(overlay_mount_data(o),
            "lowerdir=" + at("l1") + ":" + at("l2") + ",upperdir=" + at("up") + ",workdir=" + at("work"));
}

TEST_F(OverlayData, EscapesColonAndComma) {
  Overlay o{{at("odd:name,x")}, at("up"), at("work"), at("merged")};
  EXPECT_NE(overlay_mount_data(o).find("odd\\:name\\,x"), std::string::npos);
}

TEST_F(OverlayData, MissingLowerIsNamed) {
  Overlay o{{at("l1"), at("nope")}, at("up"), at("work"), at("merged")};
  try {
    overlay_mount_data(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "overlay: lower dir " + at("nope") + ": No such file or directory");
    EXPECT_EQ(e.error_number(), ENOENT);
  }
}

TEST_F(OverlayData, MoreThanAPageIsAClearError) {
  Overlay o{{}, at("up"), at("work"), at("merged")};
  const std::string long_name(120, 'L');
  for (int i = 0; i < 40; ++i) {
    fs::path layer = dir_ / (long_name + std::to_string(i));
    fs::create_directories(layer);
    o.lower.push_back(layer.string());
  }
  try {
    overlay_mount_data(o);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("overlay: too many lower layers: mount options are ", 0), 0u) << msg;
    EXPECT_NE(msg.find(" bytes, the limit is 4095"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace minirun::rootfs
