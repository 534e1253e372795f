// Issue 4: the overlayfs rootfs (run.minirun.rootfs.overlay), through the
// real binary: the bundle stays pristine, whiteouts, opaque dirs, copy-up,
// isolation between containers, extra lowers, a persistent upper, errors,
// and no overlay mount ever visible on the host.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

namespace fs = std::filesystem;

void enable_overlay(Bundle& b, bool readonly = false) {
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  b.config["root"]["readonly"] = readonly;
  b.save();
}

// Every entry under dir with its type, mode, size and (small files) content:
// equal digests mean nothing was added, removed or changed.
std::string tree_digest(const std::string& dir) {
  std::map<std::string, std::string> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    struct stat st {};
    const std::string p = it->path();
    if (lstat(p.c_str(), &st) != 0) continue;
    std::ostringstream e;
    e << std::oct << st.st_mode << std::dec << " " << st.st_size << " " << st.st_mtim.tv_sec << "."
      << st.st_mtim.tv_nsec;
    if (S_ISREG(st.st_mode) && st.st_size < 65536) e << " " << read_text(p);
    entries[p.substr(dir.size())] = e.str();
  }
  std::string out;
  for (const auto& [k, v] : entries) out += k + " " + v + "\n";
  return out;
}

bool wait_for_path(const std::string& path) {
  return wait_until([&] { return path_exists(path); });
}

// Overlay mounts in our (the host's) mount namespace that mention `needle`.
std::vector<std::string> host_overlay_mounts(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& line : split_lines(read_text("/proc/self/mountinfo")))
    if (line.find(" - overlay ") != std::string::npos && line.find(needle) != std::string::npos) found.push_back(line);
  return found;
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

class OverlayTest : public MinirunTest {};

TEST_F(OverlayTest, WhiteoutOpaqueDirAndCopyUpStayOutOfTheBundle) {
  Bundle b(true);
  enable_overlay(b);
  const std::string before = tree_digest(b.rootfs());
  const std::string group_before = read_text(b.rootfs() + "/etc/group");
  b.set_args({"sh", "-c",
              "echo new > /new && rm /etc/passwd && echo appended >> /etc/group && "
              "rm -rf /home && mkdir /home && touch /home/fresh && touch /tmp/done && sleep 300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "ov1"}).code, 0);
  const std::string upper = root_ + "/ov1/overlay/upper";
  ASSERT_TRUE(wait_for_path(upper + "/tmp/done")) << "the container never finished its writes";

  // From inside: the deletions and replacements are visible.
  Result r = minirun({"exec", "ov1", "sh", "-c",
                      "test -e /etc/passwd && echo passwd-visible; ls /home; cat /new; tail -n1 /etc/group"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "fresh\nnew\nappended\n") << "whiteout, opaque dir, new file and copy-up seen from inside";

  // The upper layer holds the whiteout (0/0 char device) and the opaque dir.
  struct stat st {};
  ASSERT_EQ(lstat((upper + "/etc/passwd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) << "no whiteout for /etc/passwd";
  char opaque[8] = {};
  EXPECT_EQ(lgetxattr((upper + "/home").c_str(), "trusted.overlay.opaque", opaque, sizeof opaque), 1);
  EXPECT_EQ(opaque[0], 'y') << "/home replaced but not opaque";
  EXPECT_EQ(read_text(upper + "/etc/group"), group_before + "appended\n") << "copy-up keeps the lower content";

  // The lower layer (the bundle) has none of it, even while running.
  EXPECT_EQ(tree_digest(b.rootfs()), before) << "the bundle rootfs changed";
  EXPECT_TRUE(host_overlay_mounts(root_).empty()) << "overlay visible on the host: " << host_overlay_mounts(root_)[0];

  ASSERT_EQ(minirun({"delete", "--force", "ov1"}).code, 0);
  EXPECT_EQ(tree_digest(b.rootfs()), before) << "the bundle rootfs changed";
  EXPECT_TRUE(path_exists(b.rootfs() + "/home/tester"));
  expect_no_leftovers("ov1");
}

TEST_F(OverlayTest, TwoContainersFromOneBundleDoNotSeeEachOthersWrites) {
  Bundle b(true);
  enable_overlay(b);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "twin1"}).code, 0);
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "twin2"}).code, 0);
  ASSERT_EQ(minirun({"exec", "twin1", "sh", "-c", "echo one > /etc/who && rm /etc/group"}).code, 0);
  ASSERT_EQ(minirun({"exec", "twin2", "sh", "-c", "echo two > /etc/who"}).code, 0);
  EXPECT_EQ(minirun({"exec", "twin1", "cat", "/etc/who"}).out, "one\n");
  EXPECT_EQ(minirun({"exec", "twin2", "cat", "/etc/who"}).out, "two\n");
  EXPECT_EQ(minirun({"exec", "twin2", "test", "-e", "/etc/group"}).code, 0) << "twin1's delete reached twin2";
  EXPECT_FALSE(path_exists(b.rootfs() + "/etc/who"));
  // Each has its tmpfs under --root until deleted: check once both are gone.
  for (const char* id : {"twin1", "twin2"}) EXPECT_EQ(minirun({"delete", "--force", id}).code, 0);
  for (const char* id : {"twin1", "twin2"}) expect_no_leftovers(id);
}

TEST_F(OverlayTest, ExtraLowerLayersStackTopFirstAboveTheRootfs) {
  Bundle b;
  const std::string layers = make_temp_dir("minirun-layers");
  write_text(layers + "/top/layer", "top\n");
  write_text(layers + "/top/etc/passwd", "root:x:0:0:from top:/root:/bin/sh\n");
  write_text(layers + "/mid/layer", "mid\n");
  write_text(layers + "/mid/only-mid", "mid only\n");
  write_text(layers + "/mid/etc/group", "root:x:0:\n");
  b.config["annotations"]["run.minirun.rootfs.overlay.lower"] = layers + "/top:" + layers + "/mid";
  enable_overlay(b, true);
  b.set_args({"cat", "/layer", "/only-mid", "/etc/passwd", "/etc/group", "/etc/hostname"});
  Result r = minirun({"run", "-b", b.dir(), "layers"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "top\nmid only\nroot:x:0:0:from top:/root:/bin/sh\nroot:x:0:\n" + read_text(b.rootfs() + "/etc/hostname"))
      << "precedence: top > mid > root.path";
  expect_no_leftovers("layers");
  remove_tree(layers);
}

TEST_F(OverlayTest, PersistentUpperSurvivesDeleteAndFeedsTheNextContainer) {
  Bundle b;
  const std::string keep = make_temp_dir("minirun-keep");
  b.config["annotations"]["run.minirun.rootfs.overlay.upper"] = keep + "/upper";
  enable_overlay(b);
  const std::string before = tree_digest(b.rootfs());
  b.set_args({"sh", "-c", "echo kept > /kept && rm /etc/group"});
  Result first = minirun({"run", "-b", b.dir(), "keep1"});
  ASSERT_EQ(first.code, 0) << first.err;
  expect_no_leftovers("keep1");
  EXPECT_EQ(read_text(keep + "/upper/kept"), "kept\n") << "the upper dir went with the container";
  EXPECT_TRUE(path_exists(keep + "/work")) << "default work dir is UPPER/../work";

  b.set_args({"sh", "-c", "cat /kept; test -e /etc/group && echo group-back; true"});
  Result second = minirun({"run", "-b", b.dir(), "keep2"});
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(second.out, "kept\n") << "the next container must see the kept changes";
  EXPECT_EQ(tree_digest(b.rootfs()), before);
  expect_no_leftovers("keep2");
  remove_tree(keep);
}

TEST_F(OverlayTest, ReadonlyRootIsAReadOnlyOverlay) {
  Bundle b;
  enable_overlay(b, true);
  b.set_args({"sh", "-c", "grep ' / / ' /proc/self/mountinfo; touch /x"});
  Result r = minirun({"run", "-b", b.dir(), "ro"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(" - overlay "), std::string::npos) << "/ is not an overlay: " << r.out;
  EXPECT_NE(r.out.find(" / / ro,"), std::string::npos) << "/ is not read-only: " << r.out;
  expect_no_leftovers("ro");
}

TEST_F(OverlayTest, MissingLowerDirIsNamedAndLeavesNothing) {
  Bundle b;
  b.config["annotations"]["run.minirun.rootfs.overlay.lower"] = "/nonexistent/minirun-layer";
  enable_overlay(b);
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "nolower"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/minirun-layer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << "one line: " << r.err;
  expect_no_leftovers("nolower");
}

TEST_F(OverlayTest, TooManyLayersForTheOptionPageIsRefused) {
  Bundle b;
  const std::string layers = make_temp_dir("minirun-many");
  std::string lower;
  for (int i = 0; i < 60; ++i) {
    std::string d = layers + "/layer-with-a-rather-long-name-to-fill-the-mount-option-page-" + std::to_string(i);
    fs::create_directories(d);
    lower += (lower.empty() ? "" : ":") + d;
  }
  b.config["annotations"]["run.minirun.rootfs.overlay.lower"] = lower;
  enable_overlay(b);
  b.set_args({"true"});
  Result r = minirun({"run", "-b", b.dir(), "many"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("too many lower layers"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4095"), std::string::npos) << "the limit is named: " << r.err;
  expect_no_leftovers("many");
  remove_tree(layers);
}

// An overlayfs cannot be the upper layer of another overlay ("not supported
// as upperdir").  The outer overlay lives in a throwaway mount namespace.
TEST_F(OverlayTest, UpperOnAnOverlayIsRefusedClearly) {
  Bundle b;
  const std::string scratch = make_temp_dir("minirun-ovlupper");
  for (const char* d : {"/l", "/u", "/w", "/m"}) fs::create_directories(scratch + d);
  b.config["annotations"]["run.minirun.rootfs.overlay.upper"] = scratch + "/m/upper";
  enable_overlay(b);
  b.set_args({"true"});
  const std::string script = "mount --make-rprivate / && mount -t overlay overlay -o lowerdir=" + scratch +
                             "/l,upperdir=" + scratch + "/u,workdir=" + scratch + "/w " + scratch + "/m && mkdir " +
                             scratch + "/m/upper && exec " MINIRUN_BIN " --root " + root_ + " run -b " + b.dir() +
                             " ovlupper";
  Result r = run_command({"unshare", "-m", "sh", "-c", script});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find(scratch + "/m/upper"), std::string::npos) << "the upper dir is named: " << r.err;
  EXPECT_NE(r.err.find("overlayfs cannot use"), std::string::npos) << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << "one line: " << r.err;
  expect_no_leftovers("ovlupper");
  EXPECT_TRUE(host_overlay_mounts(scratch).empty());
  remove_tree(scratch);
}

TEST_F(OverlayTest, FailedCreateLeavesNoMountAndNoUpper) {
  Bundle b;
  enable_overlay(b);
  b.config["mounts"].push_back(
      {{"destination", "/mnt"}, {"type", "bind"}, {"source", "/nonexistent/src"}, {"options", {"bind"}}});
  b.set_args({"true"});
  Result r = minirun({"create", "-b", b.dir(), "badmount"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/src"), std::string::npos) << r.err;
  expect_no_leftovers("badmount");
  EXPECT_TRUE(host_overlay_mounts(root_).empty());
}

// The overlay is mounted in the container's mount namespace only, so even a
// SIGKILLed `minirun run` leaves no overlay mount on the host; delete --force
// then removes the rest (process, cgroup, the upper dir's tmpfs and dir).
TEST_F(OverlayTest, KilledRunLeavesNoHostMount) {
  Bundle b;
  enable_overlay(b);
  b.set_args({"sleep", "300"});
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    execl(MINIRUN_BIN, MINIRUN_BIN, "--root", root_.c_str(), "run", "-b", b.dir().c_str(), "killed", nullptr);
    _exit(127);
  }
  bool running = wait_until([&] { return status_of("killed") == "running"; });
  EXPECT_TRUE(running);
  EXPECT_TRUE(host_overlay_mounts(root_).empty()) << "overlay on the host while running";
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(host_overlay_mounts(root_).empty())
      << "overlay on the host after kill -9: " << host_overlay_mounts(root_)[0];
  Result d = minirun({"delete", "--force", "killed"});
  EXPECT_EQ(d.code, 0) << d.err;
  expect_no_leftovers("killed");
}

}  // namespace
}  // namespace minirun::test
