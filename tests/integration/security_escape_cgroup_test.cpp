// Issue 15: no way out through cgroups, signals or devices.  Only the
// container's own processes are ever signalled: a host process sharing the
// container's cgroup (placed there before create, below the cgroupsPath, or
// moved in after create) survives create, kill --all, delete -f and a failed
// create; a cgroupsPath at a hierarchy root is refused.  linux.devices makes
// a node but never widens the device allowlist: only linux.resources.devices
// and runc's built-in defaults decide access, at create and at update.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cgroup_helpers.h"
#include "security_escape.h"

namespace minirun::test {
namespace {

// The dirs a cgroupsPath relative to our own cgroup has in every hierarchy.
std::vector<std::string> relative_cgroup_dirs(const std::string& rel) {
  std::vector<std::string> out;
  for (const auto& h : cgroup_hierarchies()) out.push_back(h.own_dir() + "/" + rel);
  return out;
}

bool write_to(const std::string& file, const std::string& text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// A sacrificial host process (`sleep`) the test starts itself and places in
// cgroups below the test's own ones: no container ever started it, so
// nothing the runtime does to a container may signal it.  Kills it and
// removes the dirs the test made (deepest first) when done.
class Outsider {
 public:
  Outsider() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("sleep", "sleep", "1000", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Outsider() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    // rmdir can see EBUSY while the killed task is still leaving the cgroup.
    for (auto it = made_.rbegin(); it != made_.rend(); ++it)
      wait_until([&] { return ::rmdir(it->c_str()) == 0 || errno == ENOENT; }, 5000);
  }
  Outsider(const Outsider&) = delete;
  Outsider& operator=(const Outsider&) = delete;

  pid_t pid() const { return pid_; }
  // Still alive half a second later: a signal sent to a frozen cgroup lands
  // at the thaw, after minirun returned.  (A killed child of ours stays a
  // zombie until reaped here.)
  bool alive() const {
    return !wait_until([&] { return ::waitpid(pid_, nullptr, WNOHANG) != 0; }, 500);
  }
  // mkdir -p each dir (remembering what it made) and moves the process in.
  void place_in(const std::vector<std::string>& dirs) {
    for (const auto& d : dirs) {
      std::string cur;
      for (size_t pos = 1; pos != std::string::npos;) {
        pos = d.find('/', pos + 1);
        cur = d.substr(0, pos);
        if (::mkdir(cur.c_str(), 0755) != 0) continue;
        made_.push_back(cur);
        // A new v1 cpuset cgroup has no cpus until given its parent's.
        for (const char* f : {"cpuset.cpus", "cpuset.mems"})
          if (path_exists(cur + "/" + f)) write_to(cur + "/" + f, read_text(cur.substr(0, cur.rfind('/')) + "/" + f));
      }
      ASSERT_TRUE(write_to(d + "/cgroup.procs", std::to_string(pid_))) << d << ": " << std::strerror(errno);
    }
  }
  // Forget a dir it was moved into that someone else made (the container's).
  void track(const std::vector<std::string>& dirs) { made_.insert(made_.end(), dirs.begin(), dirs.end()); }

 private:
  pid_t pid_;
  std::vector<std::string> made_;
};

std::string unique(const std::string& prefix) { return prefix + "-" + std::to_string(::getpid()); }

pid_t state_pid(const std::string& root, const std::string& id) {
  auto text = read_text(root + "/" + id + "/state.json");
  if (text.empty()) return 0;
  return nlohmann::json::parse(text).value("pid", 0);
}

bool pid_alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

TEST_F(SecurityEscapeTest, CgroupWithAProcessInItOrBelowItIsRefusedAndTheProcessSurvives) {
  // In the cgroup itself (runc 1.2 refuses too), and only in a cgroup below
  // it: a kill of "everything in the cgroup" reaches both.
  for (const std::string sub : {"", "/below"}) {
    SCOPED_TRACE("outsider in cgroupsPath" + sub);
    std::string path = unique("cg-shared") + (sub.empty() ? "-self" : "-parent");
    Outsider outsider;
    outsider.place_in(relative_cgroup_dirs(path + sub));
    Bundle b;
    b.config["linux"]["cgroupsPath"] = path;
    b.set_args({"sleep", "1000"});
    Result r = minirun({"create", "-b", b.dir(), "cg-shared"});
    if (r.code == 0) {
      // Had create accepted it, nothing the container's end does may reach it.
      minirun({"start", "cg-shared"});
      minirun({"kill", "--all", "cg-shared", "KILL"});
      EXPECT_TRUE(outsider.alive()) << "kill --all KILL signalled a process the container did not start";
      minirun({"delete", "--force", "cg-shared"});
      EXPECT_TRUE(outsider.alive()) << "delete --force signalled a process the container did not start";
    }
    EXPECT_EQ(r.code, 1) << "a cgroup already holding processes is refused at create";
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("already has processes"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::to_string(outsider.pid())), std::string::npos) << "names the pid: " << r.err;
    EXPECT_TRUE(outsider.alive());
    expect_no_leftovers("cg-shared");
  }
}

TEST_F(SecurityEscapeTest, CgroupsPathAtAHierarchyRootIsRefused) {
  // A process in our own sub-cgroup: what a buggy "kill everything under /"
  // would reach.  Nothing is started in a root cgroup.
  Outsider outsider;
  outsider.place_in(relative_cgroup_dirs(unique("cg-root-witness")));
  for (const std::string path : {"/", "//", "/."}) {
    SCOPED_TRACE("cgroupsPath " + path);
    Bundle b;
    b.config["linux"]["cgroupsPath"] = path;
    b.set_args({"true"});
    Result r = minirun({"create", "-b", b.dir(), "cg-root"});
    if (r.code == 0) {
      // Never let delete --force (TearDown's too) near a root cgroup: stop
      // the init by hand and drop the state behind minirun's back.
      ADD_FAILURE() << "create accepted a hierarchy root";
      ::kill(state_pid(root_, "cg-root"), SIGKILL);
      remove_tree(root_ + "/cg-root");
      continue;
    }
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("linux.cgroupsPath"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("root of the cgroup hierarchy"), std::string::npos) << r.err;
    EXPECT_TRUE(outsider.alive());
    EXPECT_FALSE(path_exists(root_ + "/cg-root"));
  }
}

TEST_F(SecurityEscapeTest, ProcessMovedIntoTheContainersCgroupIsNeverSignalled) {
  // Someone with write access to cgroup.procs moves a host process into a
  // running container's cgroup: it is not the container's (not in its pid
  // namespace), so kill --all and delete --force leave it alone.
  Bundle b;
  b.set_args({"sleep", "1000"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "cg-late"}).code, 0);
  pid_t init = state_pid(root_, "cg-late");
  ASSERT_GT(init, 0);
  auto dirs = relative_cgroup_dirs("cg-late");
  for (const auto& d : dirs) ASSERT_TRUE(path_exists(d)) << d;
  Outsider outsider;
  outsider.place_in(dirs);
  outsider.track(dirs);

  Result term = minirun({"kill", "--all", "cg-late", "TERM"});
  EXPECT_EQ(term.code, 0) << term.err;
  EXPECT_TRUE(outsider.alive()) << "kill --all TERM signalled a process the container did not start";
  EXPECT_TRUE(pid_alive(init)) << "pid 1 of the container ignores an unhandled TERM";

  Result kill = minirun({"kill", "--all", "cg-late", "KILL"});
  EXPECT_EQ(kill.code, 0) << kill.err;
  EXPECT_TRUE(wait_until([&] { return !pid_alive(init); }, 5000)) << "the container's init was killed";
  EXPECT_TRUE(outsider.alive()) << "kill --all KILL signalled a process the container did not start";

  Result del = minirun({"delete", "--force", "cg-late"});
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_TRUE(outsider.alive()) << "delete --force signalled a process the container did not start";
  EXPECT_FALSE(path_exists(root_ + "/cg-late")) << "the state is gone";
}

TEST_F(SecurityEscapeTest, FailedCreateNeverKillsAProcessInItsCgroup) {
  // A createRuntime hook (a host process, as the engine's would be) moves a
  // host process into the new cgroup and fails: undoing the create kills the
  // init, and only the init.
  auto dirs = relative_cgroup_dirs("cg-failed");
  Outsider outsider;
  outsider.track(dirs);
  std::string script;
  for (const auto& d : dirs) script += "echo " + std::to_string(outsider.pid()) + " > " + d + "/cgroup.procs || exit 2; ";
  script += "exit 1";
  Bundle b;
  b.config["hooks"]["createRuntime"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", script}}}};
  b.set_args({"sleep", "1000"});
  Result r = minirun({"create", "-b", b.dir(), "cg-failed"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("createRuntime"), std::string::npos) << r.err;
  EXPECT_TRUE(outsider.alive()) << "the failed create signalled a process the container did not start";
  EXPECT_FALSE(path_exists(root_ + "/cg-failed")) << "the state is gone";
  EXPECT_EQ(status_of("cg-failed"), "");
}

// ---- linux.devices and the device allowlist ----

// A host char device with a driver behind it that any container may be
// given: /dev/fuse, or skip.
bool host_fuse_opens() {
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string devices_list(const std::string& id) {
  const char* c = "devices";
  std::string d = own_cgroup_dir(c);
  return d.empty() ? "" : read_text(d + "/" + id + "/devices.list");
}

const nlohmann::json kFuseNode = {
    {"path", "/dev/fuse"}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"fileMode", 0666}, {"uid", 0}, {"gid", 0}};
const nlohmann::json kDenyAll = {{"allow", false}, {"access", "rwm"}};
const nlohmann::json kAllowFuse = {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "rwm"}};

TEST_F(SecurityEscapeTest, LinuxDevicesMakesTheNodeButDoesNotAllowIt) {
  if (!host_fuse_opens()) GTEST_SKIP() << "/dev/fuse does not open on this host (no fuse driver)";
  for (bool allowed : {false, true}) {
    SCOPED_TRACE(allowed ? "with an allow rule for c 10:229" : "deny all, no rule for it");
    Bundle b;
    b.config["linux"]["devices"] = {kFuseNode};
    b.config["linux"]["resources"]["devices"] = allowed ? nlohmann::json{kDenyAll, kAllowFuse} : nlohmann::json{kDenyAll};
    b.set_args({"sleep", "1000"});
    ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "cg-fuse"}).code, 0);
    Result r = minirun({"exec", "cg-fuse", "sh", "-c",
                        "test -c /dev/fuse && echo node=yes; echo fuse-w=$(probe open /dev/fuse w); "
                        "echo fuse-r=$(probe open /dev/fuse r); echo null-w=$(probe open /dev/null w)"});
    EXPECT_EQ(field(r.out, "node"), "yes") << "linux.devices makes the node:\n" << r.out << r.err;
    EXPECT_EQ(field(r.out, "fuse-w"), allowed ? "ok" : "EPERM") << r.out;
    EXPECT_EQ(field(r.out, "fuse-r"), allowed ? "ok" : "EPERM") << r.out;
    EXPECT_EQ(field(r.out, "null-w"), "ok") << "runc's default set stays allowed:\n" << r.out;
    std::string list = devices_list("cg-fuse");
    if (!list.empty()) {  // a v1 devices controller
      if (allowed) {
        EXPECT_NE(list.find("c 10:229 rwm"), std::string::npos) << list;
      } else {
        EXPECT_EQ(list.find("10:229"), std::string::npos) << list;
      }
      // runc's default set has no host console (5:1): a container with CAP_MKNOD could write to it.
      EXPECT_EQ(list.find("c 5:1 "), std::string::npos) << list;
    }
    EXPECT_EQ(minirun({"delete", "--force", "cg-fuse"}).code, 0);
    expect_no_leftovers("cg-fuse");
  }
}

TEST_F(SecurityEscapeTest, UpdateOfDeviceRulesDoesNotAllowLinuxDevices) {
  if (!host_fuse_opens()) GTEST_SKIP() << "/dev/fuse does not open on this host (no fuse driver)";
  Bundle b;
  b.config["linux"]["devices"] = {kFuseNode};
  b.config["linux"]["resources"]["devices"] = {kDenyAll, kAllowFuse};
  b.set_args({"sleep", "1000"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "cg-upd"}).code, 0);
  auto open_fuse = [&] { return field(minirun({"exec", "cg-upd", "sh", "-c", "echo w=$(probe open /dev/fuse w)"}).out, "w"); };
  EXPECT_EQ(open_fuse(), "ok") << "allowed at create";

  std::string file = b.dir() + "/resources.json";
  std::ofstream(file) << nlohmann::json{{"devices", {kDenyAll}}}.dump();
  Result u = minirun({"update", "-r", file, "cg-upd"});
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(open_fuse(), "EPERM") << "the new rules no longer allow it; linux.devices does not";
  std::string list = devices_list("cg-upd");
  if (!list.empty()) {
    EXPECT_EQ(list.find("c 10:229"), std::string::npos) << list;
  }
  EXPECT_EQ(field(minirun({"exec", "cg-upd", "sh", "-c", "echo w=$(probe open /dev/null w)"}).out, "w"), "ok")
      << "runc's default set stays allowed after update";

  std::ofstream(file, std::ios::trunc) << nlohmann::json{{"devices", {kDenyAll, kAllowFuse}}}.dump();
  ASSERT_EQ(minirun({"update", "-r", file, "cg-upd"}).code, 0);
  EXPECT_EQ(open_fuse(), "ok") << "allowed again by an explicit rule";
  EXPECT_EQ(minirun({"delete", "--force", "cg-upd"}).code, 0);
  expect_no_leftovers("cg-upd");
}

}  // namespace
}  // namespace minirun::test
