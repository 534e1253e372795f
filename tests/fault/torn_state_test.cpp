// Issue 17, torn state: a state dir someone (or a crash) left broken, and a
// --root minirun cannot write.  Each gives a clear error or the right status,
// never a crash, never a signal to a process that is not the container's;
// `delete --force` still removes everything, the state dir included.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace minirun::test {
namespace {

class TornStateTest : public MinirunTest {
 protected:
  std::string run_sleeper(const std::string& id) {
    bundle_.config["process"]["env"].push_back("RELA_MARK=" + id);
    bundle_.set_args({"sleep", "1000"});
    Result r = minirun({"run", "-d", "-b", bundle_.dir(), id});
    EXPECT_EQ(r.code, 0) << r.err;
    return root_ + "/" + id + "/state.json";
  }
  void expect_deleted_without_trace(const std::string& id) {
    Result del = minirun({"delete", "--force", id});
    EXPECT_EQ(del.code, 0) << del.err;
    expect_no_leftovers(id);
    EXPECT_TRUE(wait_until([&] { return processes_mentioning(id).empty(); }, 5000))
        << "process left: pid " << processes_mentioning(id).front();
  }
  Bundle bundle_;
};

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST_F(TornStateTest, EmptyOrTruncatedStateJsonIsNamedAndDeleteForceRemovesEverything) {
  for (const bool empty : {true, false}) {
    SCOPED_TRACE(empty ? "empty" : "truncated");
    const std::string id = "rela-torn";
    std::string state = run_sleeper(id);
    std::string text = read_text(state);
    ASSERT_FALSE(text.empty());
    write_text(state, empty ? "" : text.substr(0, text.size() / 2));

    Result s = minirun({"state", id});
    EXPECT_EQ(s.code, 1) << s.out;
    EXPECT_NE(s.err.find(state), std::string::npos) << "the error names the broken file: " << s.err;
    EXPECT_EQ(split_lines(s.err).size(), 1u) << s.err;
    EXPECT_EQ(minirun({"list"}).code, 0);
    expect_deleted_without_trace(id);
  }
}

TEST_F(TornStateTest, StaleExecFifoOfAStartedContainerGivesTheRightStatus) {
  const std::string id = "rela-fifo";
  run_sleeper(id);
  std::string fifo = root_ + "/" + id + "/exec.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0622), 0);  // as a `start` killed before it removed it leaves it
  EXPECT_EQ(status_of(id), "running");
  Result start = minirun({"start", id}, "", 10);
  EXPECT_EQ(start.code, 1) << "start must not wait for an init that exec'd long ago: " << start.err;
  EXPECT_NE(start.err.find("running"), std::string::npos) << start.err;
  expect_deleted_without_trace(id);
}

// A pid of the test's own: a process the state may name but never own.
struct Bystander {
  Bystander() {
    pid = fork();
    if (pid == 0) {
      execlp("sleep", "sleep", "1000", nullptr);
      _exit(127);
    }
  }
  ~Bystander() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  bool alive() const { return waitpid(pid, nullptr, WNOHANG) == 0; }
  pid_t pid;
};

TEST_F(TornStateTest, RecycledPidIsNeverSignalled) {
  for (const bool zero_start_time : {false, true}) {
    SCOPED_TRACE(zero_start_time ? "start time 0" : "start time of the old init");
    const std::string id = "rela-recycled";
    std::string state = run_sleeper(id);
    ASSERT_EQ(minirun({"kill", id, "KILL"}).code, 0);
    ASSERT_TRUE(wait_until([&] { return status_of(id) == "stopped"; }));
    // The pid in state.json now belongs to another process.
    Bystander other;
    auto j = nlohmann::json::parse(read_text(state));
    j["pid"] = other.pid;
    if (zero_start_time) j["start_time"] = 0;
    write_text(state, j.dump());

    EXPECT_EQ(status_of(id), "stopped");
    Result k = minirun({"kill", id, "KILL"});
    EXPECT_EQ(k.code, 1);
    EXPECT_NE(k.err.find("not running"), std::string::npos) << k.err;
    EXPECT_NE(minirun({"exec", id, "true"}).code, 0);
    expect_deleted_without_trace(id);
    EXPECT_TRUE(other.alive()) << "minirun signalled a process that is not the container's";
  }
}

// A --root on a tmpfs of its own, full or read-only.
class SmallRoot {
 public:
  SmallRoot() {
    dir_ = make_temp_dir("rela-smallroot");
    ok_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=256k,mode=0700") == 0;
  }
  ~SmallRoot() {
    umount2(dir_.c_str(), MNT_DETACH);
    rmdir(dir_.c_str());
  }
  bool ok() const { return ok_; }
  std::string root() const { return dir_ + "/state"; }
  void fill() {
    std::ofstream f(dir_ + "/filler");
    std::string block(4096, 'x');
    for (int i = 0; i < 1024 && f; ++i) f << block << std::flush;
  }
  bool make_read_only() { return mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool ok_ = false;
};

TEST_F(TornStateTest, FullOrReadOnlyRootFailsClearlyAndLeavesNothing) {
  for (const bool read_only : {false, true}) {
    SCOPED_TRACE(read_only ? "read-only" : "full");
    SmallRoot small;
    ASSERT_TRUE(small.ok()) << "cannot mount a tmpfs";
    const std::string id = "rela-small";
    if (read_only) {
      ASSERT_TRUE(small.make_read_only());
    } else {
      ASSERT_EQ(mkdir(small.root().c_str(), 0700), 0);
      small.fill();
    }
    bundle_.config["process"]["env"].push_back("RELA_MARK=" + id);
    bundle_.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
    bundle_.set_args({"sleep", "1000"});
    Result r = run_command({MINIRUN_BIN, "--root", small.root(), "run", "-d", "-b", bundle_.dir(), id});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(read_only ? "Read-only file system" : "No space left on device"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(small.root()), std::string::npos) << "the error names the path: " << r.err;
    EXPECT_FALSE(path_exists(small.root() + "/" + id)) << "state dir left";
    EXPECT_TRUE(find_cgroup_dirs(id).empty()) << "cgroup left";
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(small.root() + "/"), std::string::npos) << "mount left";
    EXPECT_TRUE(processes_mentioning(id).empty()) << "process left";
  }
}

}  // namespace
}  // namespace minirun::test
