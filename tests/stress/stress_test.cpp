// Issue 17, "many callers at once": 200 concurrent `run -d`, then `exec`,
// `kill` and `delete` of every container at once, on one --root, with
// duplicate IDs on purpose.  Duplicates are refused with a clear error,
// everything else succeeds, and at the end nothing is left: cgroups,
// mounts, state dirs, processes, fds of this process; with the bridge
// network every container had its own address and every lease came back.
#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

constexpr int kCallers = 200;
constexpr int kDuplicates = 20;  // callers whose ID another caller also uses

class ConcurrentTest : public MinirunTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      netns_ = std::make_unique<PrivateNetns>();
      ASSERT_TRUE(netns_->ok()) << "cannot make a private network namespace";
    }
    MinirunTest::SetUp();
  }
  void TearDown() override {
    MinirunTest::TearDown();
    netns_.reset();
  }

  // Runs body(i) for i in [0, n) on n threads that start together.
  static void all_at_once(int n, const std::function<void(int)>& body) {
    std::atomic<int> waiting{n};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] {
        --waiting;
        while (waiting.load() > 0) std::this_thread::yield();
        body(i);
      });
    for (auto& t : threads) t.join();
  }

  std::unique_ptr<PrivateNetns> netns_;
};

TEST_P(ConcurrentTest, TwoHundredCallersOnOneRootLeaveNothing) {
  const bool bridge = GetParam();
  Bundle b;
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  if (bridge) b.config["annotations"]["run.minirun.network"] = "bridge";
  b.config["process"]["env"].push_back("RELA_MARK=rela-load");
  b.set_args({"sleep", "1000"});
  const int fds_before = open_fd_count();

  // Callers i and kCallers - kDuplicates + i share an ID for i < kDuplicates.
  auto id_of = [](int i) { return "rela-load-" + std::to_string(i % (kCallers - kDuplicates)); };
  std::vector<Result> runs(kCallers);
  all_at_once(kCallers, [&](int i) { runs[i] = minirun({"run", "-d", "-b", b.dir(), id_of(i)}, "", 120); });
  std::map<std::string, int> created;
  for (int i = 0; i < kCallers; ++i) {
    if (runs[i].code == 0) {
      ++created[id_of(i)];
    } else {
      EXPECT_EQ(runs[i].err, "minirun: run " + id_of(i) + ": container with id exists: " + id_of(i) + "\n")
          << "caller " << i << " failed for another reason";
    }
  }
  EXPECT_EQ(created.size(), static_cast<size_t>(kCallers - kDuplicates)) << "every ID was created";
  for (const auto& [id, n] : created) EXPECT_EQ(n, 1) << id << " created by " << n << " callers";

  std::vector<std::string> ids;
  for (const auto& [id, n] : created) ids.push_back(id);
  std::mutex mu;
  std::map<std::string, std::string> address_of;
  all_at_once(static_cast<int>(ids.size()), [&](int i) {
    const std::string& id = ids[i];
    Result e = bridge ? minirun({"exec", id, "ip", "-4", "-o", "addr", "show", "dev", "eth0"}, "", 120)
                      : minirun({"exec", id, "true"}, "", 120);
    EXPECT_EQ(e.code, 0) << id << ": " << e.err;
    std::smatch m;
    if (bridge && std::regex_search(e.out, m, std::regex("inet ([0-9.]+)/"))) {
      std::lock_guard<std::mutex> l(mu);
      address_of[id] = m[1];
    }
    Result k = minirun({"kill", id, "KILL"}, "", 120);
    EXPECT_EQ(k.code, 0) << id << ": " << k.err;
    Result d = minirun({"delete", "--force", id}, "", 120);
    EXPECT_EQ(d.code, 0) << id << ": " << d.err;
  });

  if (bridge) {
    EXPECT_EQ(address_of.size(), ids.size()) << "a container without an address";
    std::set<std::string> distinct;
    for (const auto& [id, a] : address_of) distinct.insert(a);
    EXPECT_EQ(distinct.size(), address_of.size()) << "two containers got the same address";
    std::string leases = read_text(root_ + "/network/minirun0.leases");
    EXPECT_TRUE(leases.empty()) << "leases not returned: " << leases;
    EXPECT_EQ(PrivateNetns::links(), (std::set<std::string>{"lo", "minirun0"})) << "veths left (the bridge stays)";
  }
  Result list = minirun({"list", "-q"});
  EXPECT_EQ(list.code, 0);
  EXPECT_EQ(list.out, "") << "containers left";
  for (const auto& id : ids) {
    SCOPED_TRACE(id);
    expect_no_leftovers(id);
  }
  EXPECT_TRUE(wait_until([&] { return processes_mentioning("rela-load").empty(); }, 5000))
      << "process left: pid " << processes_mentioning("rela-load").front();
  EXPECT_EQ(open_fd_count(), fds_before) << "fds of the caller leaked";
}

INSTANTIATE_TEST_SUITE_P(Network, ConcurrentTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Bridge" : "NoNetwork"; });

}  // namespace
}  // namespace minirun::test
