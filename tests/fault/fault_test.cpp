// Issue 17, "kill -9 at every step": minirun (or, separately, its container's
// init) is SIGKILLed at each named fault point (MINIRUN_FAULT, see
// runtime/fault.h) of create, start, exec and delete.  After each kill the
// container must be reachable and removable as a user would check it:
// `state` says something true or names what is broken, `list` still shows
// the others, `delete --force` succeeds and leaves no cgroup dir, mount,
// veth, lease, state dir or process, and the same ID can be created again.
// Each container runs with an overlay rootfs and a bridge network (in a
// network namespace the test made), so every kind of leftover can happen.
#include <unistd.h>

#include "harness.h"

namespace minirun::test {
namespace {

struct FaultCase {
  const char* point;
  const char* command;  // create, run (-d), start, exec, delete
  bool kill_init;       // SIGKILL the init at the point instead of minirun
};

std::string case_name(const ::testing::TestParamInfo<FaultCase>& info) {
  std::string n = std::string(info.param.command) + "_" + info.param.point + (info.param.kill_init ? "_init" : "");
  for (auto& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class FaultTest : public MinirunTest, public ::testing::WithParamInterface<FaultCase> {
 protected:
  void SetUp() override {
    netns_ = std::make_unique<PrivateNetns>();
    ASSERT_TRUE(netns_->ok()) << "cannot make a private network namespace";
    MinirunTest::SetUp();
    bundle_ = std::make_unique<Bundle>(false, std::vector<std::string>{"--overlay", "--network", "bridge"});
    // A bystander that every kill must leave alone and `list` must still show.
    set_marker(bystander_);
    ASSERT_EQ(minirun({"run", "-d", "-b", bundle_->dir(), bystander_}).code, 0);
    links_before_ = PrivateNetns::links();
  }
  void TearDown() override {
    MinirunTest::TearDown();
    bundle_.reset();
    netns_.reset();
  }

  // The container's process carries its ID in its environment, so
  // processes_mentioning(id) finds it whatever it runs.
  void set_marker(const std::string& id) {
    bundle_->config["process"]["env"].push_back("RELA_MARK=" + id);
    bundle_->set_args({"sleep", "1000"});
  }

  Result minirun_with_fault(const std::string& fault, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"env", "MINIRUN_FAULT=" + fault, MINIRUN_BIN, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, "", 30);
  }

  // `state` tells the truth: a live container has its process, a stopped
  // one none; or it fails with one line naming the container.
  void expect_true_state(const std::string& id) {
    Result s = minirun({"state", id});
    if (s.code != 0) {
      EXPECT_EQ(s.code, 1) << s.err;
      EXPECT_NE(s.err.find(id), std::string::npos) << s.err;
      EXPECT_EQ(split_lines(s.err).size(), 1u) << s.err;
      return;
    }
    auto j = nlohmann::json::parse(s.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << s.out;
    std::string status = j.value("status", "");
    if (status == "stopped") {
      EXPECT_TRUE(wait_until([&] { return processes_mentioning(id).empty(); }, 5000))
          << "state says stopped but pid " << processes_mentioning(id).front() << " lives";
    } else {
      EXPECT_TRUE(status == "created" || status == "running" || status == "creating") << s.out;
      pid_t pid = j.value("pid", 0);
      EXPECT_GT(pid, 0) << s.out;
      EXPECT_EQ(kill(pid, 0), 0) << "state says " << status << " but pid " << pid << " is gone";
    }
  }

  void expect_nothing_left(const std::string& id) {
    expect_no_leftovers(id);
    EXPECT_EQ(PrivateNetns::links(), links_before_) << "a veth was left or lost";
    std::string leases = read_text(root_ + "/network/minirun0.leases");
    EXPECT_EQ(leases.find(id), std::string::npos) << "lease left: " << leases;
    EXPECT_TRUE(wait_until([&] { return processes_mentioning(id).empty(); }, 5000))
        << "process left: pid " << processes_mentioning(id).front();
  }

  std::unique_ptr<PrivateNetns> netns_;
  std::unique_ptr<Bundle> bundle_;
  std::set<std::string> links_before_;
  const std::string bystander_ = "rela-bystander";
};

TEST_P(FaultTest, KilledAtThePointLeavesAContainerThatCanBeDeletedAndMadeAgain) {
  const FaultCase& c = GetParam();
  const std::string id = "rela-fault";
  const std::string cmd = c.command;
  set_marker(id);
  // Bring the container to where the command starts from.
  if (cmd == "start") {
    ASSERT_EQ(minirun({"create", "-b", bundle_->dir(), id}).code, 0);
  } else if (cmd == "exec" || cmd == "delete") {
    ASSERT_EQ(minirun({"run", "-d", "-b", bundle_->dir(), id}).code, 0);
  }

  std::vector<std::string> args;
  if (cmd == "create") args = {"create", "-b", bundle_->dir(), id};
  if (cmd == "run") args = {"run", "-d", "-b", bundle_->dir(), id};
  if (cmd == "start") args = {"start", id};
  if (cmd == "exec") args = {"exec", id, "true"};
  if (cmd == "delete") args = {"delete", "--force", id};
  const std::string fault = std::string(c.point) + (c.kill_init ? ":init" : "");
  Result r = minirun_with_fault(fault, args);
  ASSERT_NE(r.err.find("minirun: fault " + fault), std::string::npos)
      << "the point was never reached, the test proves nothing: " << r.err;
  if (!c.kill_init) {
    EXPECT_EQ(r.code, 128 + SIGKILL) << r.err;
  }
  EXPECT_EQ(r.err.find("timed out"), std::string::npos) << r.err;

  expect_true_state(id);
  Result list = minirun({"list", "-q"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find(bystander_), std::string::npos) << list.out;

  Result del = minirun({"delete", "--force", id});
  EXPECT_EQ(del.code, 0) << del.err;
  expect_nothing_left(id);

  Result again = minirun({"run", "-d", "-b", bundle_->dir(), id});
  ASSERT_EQ(again.code, 0) << "the same ID again: " << again.err;
  EXPECT_EQ(status_of(id), "running");
  EXPECT_EQ(minirun({"delete", "--force", id}).code, 0);
  expect_nothing_left(id);
  EXPECT_EQ(status_of(bystander_), "running") << "the bystander was hit";
}

// Every point on the create path, in order, then start, exec and delete.
const FaultCase kCases[] = {
    {"create.state-dir", "create", false},
    {"create.cgroup-dir", "create", false},
    {"create.clone", "create", false},
    {"create.clone", "create", true},
    {"create.cgroup", "create", false},
    {"create.cgroup", "create", true},
    {"create.network", "create", false},
    {"create.network", "create", true},
    {"init.rootfs", "create", false},
    {"init.rootfs", "create", true},
    {"init.pivot", "create", false},
    {"init.pivot", "create", true},
    {"create.ready", "create", false},
    {"create.ready", "create", true},
    {"create.state", "create", false},
    {"create.state", "create", true},
    {"init.fifo", "create", true},
    {"create.network", "run", false},
    {"init.pivot", "run", false},
    {"create.ready", "run", false},
    {"create.ready", "run", true},
    {"create.state", "run", false},
    {"start.fifo", "start", false},
    {"start.fifo", "start", true},
    {"start.released", "start", false},
    {"exec.clone", "exec", false},
    {"exec.clone", "exec", true},
    {"exec.go", "exec", false},
    {"delete.killed", "delete", false},
    {"delete.cgroup", "delete", false},
    {"delete.network", "delete", false},
};

INSTANTIATE_TEST_SUITE_P(Points, FaultTest, ::testing::ValuesIn(kCases), case_name);

// A cgroupsPath whose parents do not exist yet: create makes them, and a
// create killed before it recorded them must not leave them behind.
class NestedCgroupFaultTest : public FaultTest {};

TEST_F(NestedCgroupFaultTest, ParentDirsMadeByAKilledCreateGoWithDelete) {
  const std::string id = "rela-nested";
  // What a failure leaves is removed even so: a parent left by one run
  // would exist before the next, which must then not remove it.
  struct RemoveParents {
    ~RemoveParents() {
      for (const char* name : {"rela-nest-inner", "rela-nest-parent"})
        for (const std::string& d : find_cgroup_dirs(name)) ::rmdir(d.c_str());
    }
  } remove_parents;
  set_marker(id);
  bundle_->config["linux"]["cgroupsPath"] = "rela-nest-parent/rela-nest-inner/" + id;
  bundle_->save();
  for (const char* point : {"create.cgroup-dir", "create.clone", "create.cgroup"}) {
    SCOPED_TRACE(point);
    Result r = minirun_with_fault(point, {"create", "-b", bundle_->dir(), id});
    ASSERT_NE(r.err.find(std::string("minirun: fault ") + point), std::string::npos) << r.err;
    EXPECT_FALSE(find_cgroup_dirs("rela-nest-inner").empty()) << "the parents were never made: the test proves nothing";
    Result del = minirun({"delete", "--force", id});
    EXPECT_EQ(del.code, 0) << del.err;
    expect_nothing_left(id);
    EXPECT_EQ(find_cgroup_dirs("rela-nest-parent"), std::vector<std::string>{}) << "parent dirs left";
    EXPECT_EQ(find_cgroup_dirs("rela-nest-inner"), std::vector<std::string>{}) << "parent dirs left";
  }
}

}  // namespace
}  // namespace minirun::test
