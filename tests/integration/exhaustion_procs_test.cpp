// Issue 17, exhaustion from inside: a fork bomb, a zombie flood and a
// process in uninterruptible sleep (D) must not take the CLI down with the
// container: ps, state, list, kill and delete --force each answer within a
// few seconds, and delete --force leaves nothing.  The containers get a
// pids limit and a fifth of a CPU, so the host (shared) stays usable.
//
// The D state: the parent of a vfork child that neither execs nor exits
// waits in TASK_KILLABLE, which ps shows as D and only SIGKILL ends: no FUSE
// or NFS needed, and it works on any kernel.
//
// Worse, a process whose mmap_lock is stuck (probe mmap-lock-stall: a read
// of its memory waits on a FUSE server that never answers, with the lock
// held): every reader of its /proc/PID/cmdline waits too, so ps(1) -ef,
// which `minirun ps` runs as runc does, would hang for as long as the
// server does.  It must give up with a clear error instead.  And the
// process reading the stuck file cannot be killed until the server answers:
// delete --force must say so and keep the state, then finish later.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>

#include "harness.h"

namespace minirun::test {
namespace {

using Clock = std::chrono::steady_clock;
// "Within seconds" with room for a loaded CI VM; a hang is 60 s (run_command's timeout).
constexpr int kBoundMs = 8000;

class ExhaustionTest : public MinirunTest {
 protected:
  // Runs a command, asserts it answered within the bound, returns it.
  Result timed(const std::vector<std::string>& args) {
    const auto start = Clock::now();
    Result r = minirun(args);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    EXPECT_LT(ms, kBoundMs) << "minirun " << args[0] << " took " << ms << " ms";
    return r;
  }
  void start(const std::string& id, const std::vector<std::string>& args, int pids_limit) {
    b_.config["linux"]["resources"]["pids"] = {{"limit", pids_limit}};
    b_.config["linux"]["resources"]["cpu"] = {{"quota", 20000}, {"period", 100000}};
    b_.set_args(args);
    Result r = minirun({"run", "-d", "-b", b_.dir(), id});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  std::vector<int> pids_of(const std::string& id) {
    Result r = minirun({"ps", "-f", "json", id});
    if (r.code != 0) return {};
    return nlohmann::json::parse(r.out).get<std::vector<int>>();
  }
  // /proc/PID/stat's state letter of each container process.
  std::string states_of(const std::string& id) {
    std::string out;
    for (int pid : pids_of(id)) {
      const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
      const size_t paren = stat.rfind(')');
      if (paren != std::string::npos && paren + 2 < stat.size()) out += stat[paren + 2];
    }
    return out;
  }
  // Every command a caller uses on a container in trouble, each in bounds.
  void every_command_answers(const std::string& id, const std::string& status) {
    Result st = timed({"state", id});
    EXPECT_EQ(st.code, 0) << st.err;
    if (st.code == 0) {
      EXPECT_EQ(nlohmann::json::parse(st.out).value("status", ""), status) << st.out;
    }
    Result list = timed({"list"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_NE(list.out.find(id), std::string::npos) << list.out;
    Result ps = timed({"ps", id});
    EXPECT_EQ(ps.code, 0) << ps.err;
    EXPECT_NE(ps.out.find("PID"), std::string::npos) << ps.out;
    Result json = timed({"ps", "-f", "json", id});
    EXPECT_EQ(json.code, 0) << json.err;
    Result kill = timed({"kill", "--all", id, "KILL"});
    EXPECT_EQ(kill.code, 0) << kill.err;
    Result del = timed({"delete", "--force", id});
    EXPECT_EQ(del.code, 0) << del.err;
    EXPECT_EQ(minirun({"state", id}).code, 1) << "still known after delete --force";
    expect_no_leftovers(id);
  }
  Bundle b_;
};

TEST_F(ExhaustionTest, ForkBombAtItsPidsLimit) {
  start("relb-forkbomb", {"probe", "forkstorm"}, 200);
  EXPECT_TRUE(wait_until([&] { return pids_of("relb-forkbomb").size() >= 190; }))
      << "the bomb never reached its limit: " << pids_of("relb-forkbomb").size();
  every_command_answers("relb-forkbomb", "running");
}

TEST_F(ExhaustionTest, ZombieFlood) {
  start("relb-zombies", {"probe", "zombies", "1500"}, 2000);
  // Zombies leave cgroup.procs at exit but keep their pid (and pids.current)
  // until reaped, which here is never.
  std::string pids_current;
  for (const std::string& dir : find_cgroup_dirs("relb-zombies"))
    if (path_exists(dir + "/pids.current")) pids_current = dir + "/pids.current";
  ASSERT_FALSE(pids_current.empty()) << "no pids cgroup for the container";
  EXPECT_TRUE(wait_until([&] { return std::atoi(read_text(pids_current).c_str()) > 1500; }))
      << read_text(pids_current);
  every_command_answers("relb-zombies", "running");
}

TEST_F(ExhaustionTest, ProcessInUninterruptibleSleep) {
  start("relb-dstate", {"probe", "vfork-hang"}, 50);
  EXPECT_TRUE(wait_until([&] { return states_of("relb-dstate").find('D') != std::string::npos; }))
      << "no process in D state: " << states_of("relb-dstate");
  every_command_answers("relb-dstate", "running");
}

// A FUSE server that never answers a read (probe fuse-stall) on a dir of
// the test's; killing it fails the pending reads, and the mount goes.
class StuckFuse {
 public:
  StuckFuse() : dir_(make_temp_dir("relb-fuse")) {
    ::mkdir((dir_ + "/mnt").c_str(), 0755);
    server_ = start_logged({PROBE_BIN, "fuse-stall", dir_ + "/mnt"}, dir_ + "/server.log");
    ready_ = wait_until([&] { return read_text(dir_ + "/server.log").find("ready") != std::string::npos; }, 5000);
  }
  ~StuckFuse() {
    stop();
    ::umount2((dir_ + "/mnt").c_str(), MNT_DETACH);
    remove_tree(dir_);
  }
  // The server goes: the kernel fails what waited on it.
  void stop() {
    if (server_ > 0) {
      ::kill(server_, SIGKILL);
      ::waitpid(server_, nullptr, 0);
    }
    server_ = -1;
  }
  bool ready() const { return ready_; }
  std::string log() const { return read_text(dir_ + "/server.log"); }
  std::string mount() const { return dir_ + "/mnt"; }

 private:
  std::string dir_;
  pid_t server_ = -1;
  bool ready_ = false;
};

TEST_F(ExhaustionTest, PsGivesUpOnAProcessStuckOnItsMmapLock) {
  if (!path_exists("/dev/fuse")) GTEST_SKIP() << "no /dev/fuse on this host";
  StuckFuse fuse;
  if (!fuse.ready()) GTEST_SKIP() << "cannot mount a FUSE file system here: " << fuse.log();
  b_.config["mounts"].push_back(
      {{"destination", "/stall"}, {"type", "bind"}, {"source", fuse.mount()}, {"options", {"rbind", "ro"}}});
  start("relb-mmapstall", {"probe", "mmap-lock-stall", "/stall/f"}, 50);
  pid_t stuck = 0;
  ASSERT_TRUE(wait_until([&] {
    for (int pid : pids_of("relb-mmapstall")) {
      const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
      const size_t paren = stat.rfind(')');
      if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'D') stuck = pid;
    }
    return stuck != 0;
  })) << "no process in D state: " << states_of("relb-mmapstall");
  // The trap is real: its command line cannot be read.
  Result cat = run_command({"cat", "/proc/" + std::to_string(stuck) + "/cmdline"}, "", 2);
  EXPECT_NE(cat.err.find("timed out"), std::string::npos) << "cmdline readable: " << cat.out;

  const auto start = Clock::now();
  Result ps = minirun({"ps", "relb-mmapstall"}, "", 30);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  EXPECT_LT(ms, 10000) << "minirun ps took " << ms << " ms";
  EXPECT_EQ(ps.code, 1) << ps.out << ps.err;
  EXPECT_NE(ps.err.find("minirun: ps relb-mmapstall: ps(1) did not answer"), std::string::npos) << ps.err;
  // Everything else still answers, without reading any command line.
  Result json = timed({"ps", "-f", "json", "relb-mmapstall"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_NE(json.out.find(std::to_string(stuck)), std::string::npos) << json.out;
  EXPECT_EQ(timed({"state", "relb-mmapstall"}).code, 0);
  EXPECT_EQ(timed({"list"}).code, 0);
  // The reader of the stuck file waits in the kernel where SIGKILL cannot
  // end it (its request is with the server): delete --force says so, and
  // keeps what it needs to finish later.
  const auto del_start = Clock::now();
  Result stuck_del = minirun({"delete", "--force", "relb-mmapstall"});
  const auto del_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - del_start).count();
  EXPECT_LT(del_ms, 15000) << "delete --force took " << del_ms << " ms";
  EXPECT_EQ(stuck_del.code, 1) << stuck_del.err;
  EXPECT_NE(stuck_del.err.find("has not died of SIGKILL: stuck in the kernel"), std::string::npos) << stuck_del.err;
  EXPECT_EQ(timed({"state", "relb-mmapstall"}).code, 0) << "the state went with its processes still there";
  // Once the kernel lets it go, delete --force finishes.
  fuse.stop();
  Result del = timed({"delete", "--force", "relb-mmapstall"});
  EXPECT_EQ(del.code, 0) << del.err;
  expect_no_leftovers("relb-mmapstall");
}

}  // namespace
}  // namespace minirun::test
