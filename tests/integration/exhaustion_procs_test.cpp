// Issue 17, exhaustion from inside: a fork bomb, a zombie flood and a
// process in uninterruptible sleep (D) must not take the CLI down with the
// container: ps, state, list, kill and delete --force each answer within a
// few seconds, and delete --force leaves nothing.  The containers get a
// pids limit and a fifth of a CPU, so the host (shared) stays usable.
//
// The D state: the parent of a vfork child that neither execs nor exits
// waits in TASK_KILLABLE, which ps shows as D and only SIGKILL ends: no FUSE
// or NFS needed, and it works on any kernel.
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

}  // namespace
}  // namespace minirun::test
