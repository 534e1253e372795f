// Privileged: real cgroups under the test's own cgroup ("minirun-test-<pid>"),
// real limits enforced on forked children.  Skipped unless root.  Every test
// destroys what it made, even on failure; nothing else is touched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "cgroup/cgroup.h"
#include "cgroup/device_filter.h"
#include "cgroup/fs.h"
#include "cgroup/layout.h"
#include "cgroup/v2.h"
#include "ns/ns.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

// In a child process: forks up to `max` children that pause, stopping at
// the first fork refused (pids.max); returns how many it made.
int fork_pausing_children(int max) {
  int made = 0;
  for (; made < max; ++made) {
    pid_t c = ::fork();
    if (c == 0) {
      ::pause();
      ::_exit(0);
    }
    if (c < 0) break;
  }
  return made;
}

// Whether swap is on (/proc/swaps lists a device or file).
bool host_has_swap() {
  auto swaps = fs::try_read("/proc/swaps");
  return swaps && std::count(swaps->begin(), swaps->end(), '\n') > 1;
}

// The first CPU (or node) of a cpuset list such as "0-3,8".
std::string first_of_list(const std::string& list) {
  std::string t = fs::trim(list);
  return t.substr(0, t.find_first_of("-,"));
}

class CgroupLive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    if (detect_layout() == Layout::v2) GTEST_SKIP() << "written for v1/hybrid hosts";
    name_ = "minirun-test-" + std::to_string(getpid());
    mgr_ = Manager::for_container(name_, "unused");
  }
  void TearDown() override {
    for (pid_t p : children_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    if (mgr_) {
      try {
        mgr_->destroy();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "destroy: " << e.what();
      }
      for (const auto& [k, dir] : mgr_->paths()) EXPECT_FALSE(fs::exists(dir)) << dir;
    }
  }

  // Forks a child that places itself in the cgroup (as the runtime's init
  // does), then runs fn and _exits with its result; returns once it is placed.
  template <typename Fn>
  pid_t spawn_in_cgroup(Fn fn) {
    int placed[2];
    EXPECT_EQ(::pipe2(placed, O_CLOEXEC), 0);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(placed[0]);
      try {
        mgr_->join_self(false);
      } catch (...) {
        ::_exit(100);
      }
      if (::write(placed[1], "x", 1) != 1) ::_exit(100);
      ::close(placed[1]);
      ::_exit(fn());
    }
    children_.push_back(pid);
    ::close(placed[1]);
    char c;
    EXPECT_EQ(::read(placed[0], &c, 1), 1) << "the child could not join the cgroup";
    ::close(placed[0]);
    return pid;
  }

  int wait_child(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    children_.erase(std::remove(children_.begin(), children_.end(), pid), children_.end());
    return status;
  }

  std::string name_;
  std::unique_ptr<Manager> mgr_;
  std::vector<pid_t> children_;
};

TEST_F(CgroupLive, PathsNestUnderOwnCgroup) {
  auto own = fs::read("/proc/self/cgroup");
  auto paths = mgr_->paths();
  ASSERT_TRUE(paths.count("memory"));
  EXPECT_NE(paths["memory"].find(name_), std::string::npos);
  if (own.find("memory:/process_api/") != std::string::npos) {
    EXPECT_NE(paths["memory"].find("/process_api/"), std::string::npos) << paths["memory"];
  }
  if (detect_layout() == Layout::hybrid) {
    EXPECT_TRUE(paths.count("unified"));
  }
}

// The init's way in (runtime/launcher.cpp): born in the cgroup2 dir by
// clone3(CLONE_INTO_CGROUP), then "0" to each v1 `tasks` from the child.
TEST_F(CgroupLive, ChildBornIntoCgroupJoinsEveryHierarchyItself) {
  mgr_->create();
  spec::Resources r;
  r.pids = spec::Pids{3};
  mgr_->apply(r);
  UniqueFd into(mgr_->clone_into_fd());
  if (detect_layout() == Layout::hybrid) {
    EXPECT_TRUE(into) << "the unified dir";
  }
  int go[2], report[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  bool cloned_into = false;
  pid_t pid = ns::clone_process(0, into.get(), cloned_into);
  if (pid == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(100);
    try {
      mgr_->join_self(cloned_into);
    } catch (...) {
      ::_exit(101);
    }
    // pids.max 3: this process and two children; the third fork fails.
    char made = static_cast<char>(fork_pausing_children(3));
    if (::write(report[1], &made, 1) != 1) ::_exit(102);
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(pid, 0);
  children_.push_back(pid);
  ::close(go[0]);
  ::close(report[1]);
  EXPECT_EQ(cloned_into, static_cast<bool>(into));
  const std::string proc_cgroup = "/proc/" + std::to_string(pid) + "/cgroup";
  if (cloned_into) {
    // Already in the cgroup2 dir before it ran a single instruction of ours.
    auto v2_dir = mgr_->paths().count("unified") ? mgr_->paths()["unified"] : mgr_->paths()[""];
    EXPECT_NE(fs::read(proc_cgroup).find(v2_dir.substr(v2_dir.find(name_))), std::string::npos);
  }
  EXPECT_EQ(::write(go[1], "x", 1), 1);
  ::close(go[1]);
  char made = -1;
  EXPECT_EQ(::read(report[0], &made, 1), 1);
  ::close(report[0]);
  EXPECT_EQ(made, 2) << "pids.max did not apply to the joined child";
  for (const auto& [key, dir] : mgr_->paths()) {
    auto procs = fs::read_pids(dir);
    EXPECT_NE(std::find(procs.begin(), procs.end(), pid), procs.end()) << key << ": " << dir << "\n"
                                                                       << fs::read(proc_cgroup);
  }
  mgr_->kill_all(SIGKILL, nullptr);
  EXPECT_TRUE(WIFSIGNALED(wait_child(pid)));
}

TEST_F(CgroupLive, MemoryLimitOomKillsChild) {
  mgr_->create();
  // memory+swap = limit: no swap, so the hog is OOM-killed.  Without swap
  // accounting (swapaccount=0) that is only true on a host without swap.
  const bool memsw = fs::exists(fs::join(mgr_->paths()["memory"], "memory.memsw.limit_in_bytes"));
  if (!memsw && host_has_swap()) GTEST_SKIP() << "swap is on and swap accounting is off: the hog would swap, not OOM";
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 32 * kMiB;
  if (memsw) r.memory->swap = 32 * kMiB;
  r.pids = spec::Pids{10};
  mgr_->apply(r);
  EXPECT_EQ(mgr_->memory_limit(), 32 * kMiB);
  UniqueFd oom(mgr_->open_oom_event_fd());
  EXPECT_TRUE(oom);

  pid_t pid = spawn_in_cgroup([] {
    const size_t size = 100 * kMiB;
    auto* p = static_cast<char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (p == MAP_FAILED) return 2;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    return 0;
  });
  int status = wait_child(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GE(mgr_->oom_kill_count(), 1u);
  pollfd pfd{oom.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 1000), 1) << "no OOM event";

  Stats s = mgr_->stats();
  EXPECT_EQ(s.memory.usage.limit, static_cast<uint64_t>(32 * kMiB));
  EXPECT_GE(s.memory.usage.max_usage, static_cast<uint64_t>(24 * kMiB));  // failcnt stays 0 on Linux 6.x v1
  EXPECT_GE(s.memory.oom_kill, 1u);
  EXPECT_EQ(s.pids.limit, 10u);
}

TEST_F(CgroupLive, PidsLimitStopsForkLoop) {
  mgr_->create();
  spec::Resources r;
  r.pids = spec::Pids{10};
  mgr_->apply(r);
  pid_t pid = spawn_in_cgroup([] { return fork_pausing_children(50); });
  int status = wait_child(pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 9);  // the forker itself is the 10th
  Stats st = mgr_->stats();
  EXPECT_EQ(st.pids.current, 9u);
  EXPECT_GT(st.cpu.total_usage, 0u);  // cpuacct.usage of the forker
  EXPECT_FALSE(st.cpu.percpu_usage.empty());
  mgr_->kill_all(SIGKILL, nullptr);
}

TEST_F(CgroupLive, FreezeAndThaw) {
  mgr_->create();
  auto* counter = static_cast<std::atomic<uint64_t>*>(
      ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(counter, MAP_FAILED);
  ScopeGuard unmap([&] { ::munmap(counter, 4096); });
  counter->store(0);
  pid_t pid = spawn_in_cgroup([counter] {
    for (;;) counter->fetch_add(1);
    return 0;
  });
  while (counter->load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  mgr_->freeze();
  EXPECT_EQ(mgr_->freezer_state(), FreezerState::frozen);
  uint64_t a = counter->load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(counter->load(), a);
  mgr_->thaw();
  EXPECT_EQ(mgr_->freezer_state(), FreezerState::thawed);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_GT(counter->load(), a);

  // A frozen cgroup is refused by create(), with advice.
  mgr_->freeze();
  auto other = Manager::for_container(name_, "unused");
  try {
    other->create();
    ADD_FAILURE() << "create accepted a frozen cgroup";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is frozen; thaw it first"), std::string::npos) << e.what();
  }
  // kill_all on a paused container still kills (runc thaws to deliver SIGKILL).
  mgr_->kill_all(SIGKILL, nullptr);
  int status = wait_child(pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(mgr_->freezer_state(), FreezerState::thawed);
}

TEST_F(CgroupLive, CreateRefusesPopulatedCgroup) {
  mgr_->create();
  spawn_in_cgroup([] {
    ::pause();
    return 0;
  });
  auto other = Manager::for_container(name_, "unused");
  EXPECT_THROW(other->create(), Error);
  // TearDown kills the child, then destroy() removes the dirs.
}

TEST_F(CgroupLive, CreateRefusesProcessesInACgroupBelow) {
  mgr_->create();
  auto below = Manager::for_container(name_ + "/below", "unused");
  below->create();
  std::unique_ptr<Manager> saved = std::move(mgr_);
  mgr_ = std::move(below);
  pid_t pid = spawn_in_cgroup([] {
    ::pause();
    return 0;
  });
  std::swap(mgr_, saved);
  auto other = Manager::for_container(name_, "unused");
  try {
    other->create();
    ADD_FAILURE() << "create accepted a cgroup with a process below it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(pid)), std::string::npos) << e.what();
  }
  ::kill(pid, SIGKILL);
  wait_child(pid);
  saved->destroy();
}

TEST_F(CgroupLive, KillAllSignalsOnlyWhatTheFilterAccepts) {
  mgr_->create();
  auto pause = [] {
    ::pause();
    return 0;
  };
  pid_t kept = spawn_in_cgroup(pause), killed = spawn_in_cgroup(pause);
  mgr_->kill_all(SIGKILL, [&](pid_t p) { return p == killed; });
  EXPECT_TRUE(WIFSIGNALED(wait_child(killed)));
  EXPECT_EQ(::waitpid(kept, nullptr, WNOHANG), 0) << "a process the filter refused was signalled";
  mgr_->freeze();
  mgr_->kill_all(SIGTERM, [](pid_t) { return false; });
  mgr_->thaw();
  EXPECT_EQ(::waitpid(kept, nullptr, WNOHANG), 0);
}

TEST_F(CgroupLive, DestroyNeverSignalsWhatIsLeft) {
  mgr_->create();
  pid_t pid = spawn_in_cgroup([] {
    ::pause();
    return 0;
  });
  auto again = Manager::from_paths(mgr_->paths());
  try {
    again->destroy();
    ADD_FAILURE() << "destroy removed a cgroup that still has a process";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(pid)), std::string::npos) << e.what();
  }
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0) << "destroy signalled it";
}

// The fields every v1 host has; swap (memsw) and the blkio weight, which
// depend on the host's kernel, are in tests of their own below.
TEST_F(CgroupLive, EveryV1FieldLandsInItsFile) {
  mgr_->create();
  auto paths = mgr_->paths();
  auto rd = [&](const char* ctrl, const char* file) { return fs::trim(fs::read(fs::join(paths[ctrl], file))); };
  // A CPU and a memory node this cgroup may use (create copied its parent's),
  // not "0": the test's own cpuset may exclude CPU 0.
  const std::string cpu = first_of_list(rd("cpuset", "cpuset.cpus"));
  const std::string mem = first_of_list(rd("cpuset", "cpuset.mems"));
  // Absent without CONFIG_MEMCG_KMEM (and gone from v1 in newer kernels).
  const bool kmem_tcp = fs::exists(fs::join(paths["memory"], "memory.kmem.tcp.limit_in_bytes"));
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 64 * kMiB;
  r.memory->reservation = 32 * kMiB;
  if (kmem_tcp) r.memory->kernel_tcp = 16 * kMiB;
  r.memory->swappiness = 10;
  r.memory->disable_oom_killer = true;
  r.memory->use_hierarchy = true;
  r.cpu = spec::Cpu{};
  r.cpu->shares = 512;
  r.cpu->quota = 50000;
  r.cpu->period = 100000;
  r.cpu->cpus = cpu;
  r.cpu->mems = mem;
  r.pids = spec::Pids{-1};
  r.devices = {spec::DeviceRule{false, "a", std::nullopt, std::nullopt, "rwm"},
               spec::DeviceRule{true, "c", 1, 3, "rwm"}, spec::DeviceRule{true, "c", 136, std::nullopt, "rw"}};
  mgr_->apply(r);
  EXPECT_EQ(rd("memory", "memory.limit_in_bytes"), std::to_string(64 * kMiB));
  EXPECT_EQ(rd("memory", "memory.soft_limit_in_bytes"), std::to_string(32 * kMiB));
  if (kmem_tcp) {
    EXPECT_EQ(rd("memory", "memory.kmem.tcp.limit_in_bytes"), std::to_string(16 * kMiB));
  }
  EXPECT_EQ(rd("memory", "memory.swappiness"), "10");
  EXPECT_NE(rd("memory", "memory.oom_control").find("oom_kill_disable 1"), std::string::npos);
  EXPECT_EQ(rd("cpu", "cpu.shares"), "512");
  EXPECT_EQ(rd("cpu", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(rd("cpu", "cpu.cfs_period_us"), "100000");
  EXPECT_EQ(rd("cpuset", "cpuset.cpus"), cpu);
  EXPECT_EQ(rd("cpuset", "cpuset.mems"), mem);
  EXPECT_EQ(rd("pids", "pids.max"), "max");
  EXPECT_EQ(rd("devices", "devices.list"), "c 1:3 rwm\nc 136:* rw");

  // Errors name the field, the file and the cause.
  spec::Resources bad;
  bad.cpu = spec::Cpu{};
  bad.cpu->cpus = "9999";
  try {
    mgr_->update(bad);
    ADD_FAILURE() << "bad cpus accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("linux.resources.cpu.cpus"), std::string::npos) << m;
    EXPECT_NE(m.find("cpuset.cpus"), std::string::npos) << m;
  }
}

// memory.memsw.* exists only with swap accounting (CONFIG_MEMCG_SWAP and
// not swapaccount=0); without it a swap limit is an error, as in runc.
TEST_F(CgroupLive, MemswLimitsLandInOrderBothWays) {
  mgr_->create();
  auto paths = mgr_->paths();
  auto rd = [&](const char* ctrl, const char* file) { return fs::trim(fs::read(fs::join(paths[ctrl], file))); };
  spec::Resources r;
  r.memory = spec::Memory{};
  r.memory->limit = 64 * kMiB;
  r.memory->swap = 96 * kMiB;
  if (!fs::exists(fs::join(paths["memory"], "memory.memsw.limit_in_bytes"))) {
    EXPECT_THROW(mgr_->apply(r), Error) << "a swap limit without memory.memsw.limit_in_bytes";
    GTEST_SKIP() << "no memory.memsw.limit_in_bytes: swap accounting is off on this host";
  }
  mgr_->apply(r);
  EXPECT_EQ(rd("memory", "memory.limit_in_bytes"), std::to_string(64 * kMiB));
  EXPECT_EQ(rd("memory", "memory.memsw.limit_in_bytes"), std::to_string(96 * kMiB));

  // Lowering memory below memsw needs the limit written first, raising needs memsw first.
  spec::Resources down;
  down.memory = spec::Memory{};
  down.memory->limit = 16 * kMiB;
  down.memory->swap = 16 * kMiB;
  mgr_->update(down);
  EXPECT_EQ(rd("memory", "memory.memsw.limit_in_bytes"), std::to_string(16 * kMiB));
  spec::Resources up = down;
  up.memory->limit = 128 * kMiB;
  up.memory->swap = 256 * kMiB;
  mgr_->update(up);
  EXPECT_EQ(rd("memory", "memory.limit_in_bytes"), std::to_string(128 * kMiB));
  EXPECT_EQ(rd("memory", "memory.memsw.limit_in_bytes"), std::to_string(256 * kMiB));
}

// A weight needs a proportional IO scheduler (BFQ or CFQ); a fresh VM with
// mq-deadline has neither file, and asking for one is an error there.
TEST_F(CgroupLive, BlkioWeightLandsInItsFile) {
  mgr_->create();
  auto paths = mgr_->paths();
  if (!paths.count("blkio")) GTEST_SKIP() << "no blkio v1 hierarchy on this host";
  std::string weight_file;
  for (const char* f : {"blkio.bfq.weight", "blkio.weight"})
    if (weight_file.empty() && ::access(fs::join(paths["blkio"], f).c_str(), F_OK) == 0) weight_file = f;
  spec::Resources r;
  r.block_io = spec::BlockIO{};
  r.block_io->weight = 500;
  if (weight_file.empty()) {
    try {
      mgr_->apply(r);
      ADD_FAILURE() << "a weight was accepted with no file to write it to";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("linux.resources.blockIO.weight"), std::string::npos) << e.what();
    }
    GTEST_SKIP() << "no blkio.weight or blkio.bfq.weight: no BFQ/CFQ IO scheduler on this host";
  }
  mgr_->apply(r);
  EXPECT_NE(fs::read(fs::join(paths["blkio"], weight_file)).find("500"), std::string::npos);
}

TEST_F(CgroupLive, HybridRefusesUnifiedKeysOfV1Controllers) {
  if (detect_layout() != Layout::hybrid) GTEST_SKIP() << "hybrid only";
  mgr_->create();
  spec::Resources r;
  r.unified["memory.max"] = "1G";
  try {
    mgr_->apply(r);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "linux.resources.unified: \"memory.max\": the memory controller is on cgroup v1 on this host");
  }
  spec::Resources net;
  net.network = spec::NetworkResources{};
  net.network->class_id = 0x100001;
  if (!fs::exists("/sys/fs/cgroup/net_cls")) {
    EXPECT_THROW(mgr_->apply(net), Error);
  }
}

TEST_F(CgroupLive, DeviceProgramOnUnifiedDir) {
  if (detect_layout() != Layout::hybrid) GTEST_SKIP() << "needs the cgroup2 unified mount";
  mgr_->create();
  std::string dir = mgr_->paths().at("unified");
  ASSERT_TRUE(fs::exists(dir));
  std::vector<spec::DeviceRule> rules = {
      spec::DeviceRule{false, "a", std::nullopt, std::nullopt, "rwm"},
      spec::DeviceRule{true, "c", 1, 3, "rwm"},
      spec::DeviceRule{true, "c", 1, 5, "rwm"},
      spec::DeviceRule{false, "c", 1, 3, "rwm"},  // last match wins: /dev/null denied
  };
  attach_device_filter(dir, rules);
  EXPECT_EQ(count_device_programs(dir), 1);
  auto probe = [] {
    int bits = 0;
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == EPERM) bits |= 1;
    if (fd >= 0) ::close(fd);
    fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      bits |= 2;
      ::close(fd);
    }
    return bits;
  };
  int status = wait_child(spawn_in_cgroup(probe));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << "1: /dev/null EPERM, 2: /dev/zero opened";

  // An update replaces the program: still one attached, /dev/null allowed now.
  attach_device_filter(dir, {spec::DeviceRule{true, "a", std::nullopt, std::nullopt, "rwm"}});
  EXPECT_EQ(count_device_programs(dir), 1);
  status = wait_child(spawn_in_cgroup(probe));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST_F(CgroupLive, RebuiltManagerDestroysAndIsIdempotent) {
  mgr_->create();
  spawn_in_cgroup([] {
    ::pause();
    return 0;
  });
  auto again = Manager::from_paths(mgr_->paths());
  EXPECT_EQ(again->paths(), mgr_->paths());
  EXPECT_EQ(again->processes().size(), 1u);
  again->kill_all(SIGKILL, nullptr);
  again->destroy();
  for (const auto& [k, dir] : mgr_->paths()) EXPECT_FALSE(fs::exists(dir)) << dir;
  again->destroy();
  mgr_->destroy();
}

// The cgroup v2 manager, run on the unified mount (no controllers enabled
// there, so only the core files: freeze, kill, procs).
TEST(CgroupLiveV2, FreezeKillDestroyOnUnifiedMount) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  HostLayout host = read_host_layout();
  if (!host.v2) GTEST_SKIP() << "no cgroup2 mount";
  auto own = parse_proc_cgroup(fs::read("/proc/self/cgroup"));
  auto paths = resolve_paths(host, own, "minirun-test-v2-" + std::to_string(getpid()), "unused");
  std::string dir = paths.count("") ? paths[""] : paths["unified"];
  v2::V2Manager m(host.v2->mount_point, dir, "unified", false, true);
  ScopeGuard cleanup([&] { m.destroy(); });
  m.create();
  if (!fs::exists(fs::join(dir, "cgroup.kill"))) GTEST_SKIP() << "no cgroup.kill: the kernel is older than 5.14";
  // Born in the dir by clone3(CLONE_INTO_CGROUP): no migration.
  UniqueFd into(m.clone_into_fd());
  ASSERT_TRUE(into);
  bool cloned_into = false;
  pid_t pid = ns::clone_process(0, into.get(), cloned_into);
  if (pid == 0) {
    for (;;) ::pause();
  }
  ASSERT_GT(pid, 0);
  ScopeGuard reap([&] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  });
  EXPECT_TRUE(cloned_into);
  EXPECT_EQ(m.processes(), std::vector<pid_t>{pid});
  m.freeze();
  EXPECT_EQ(m.freezer_state(), FreezerState::frozen);
  m.thaw();
  EXPECT_EQ(m.freezer_state(), FreezerState::thawed);
  m.freeze();
  m.kill_all(SIGKILL, nullptr);  // cgroup.kill works on a frozen cgroup
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  reap.dismiss();
  EXPECT_TRUE(WIFSIGNALED(status));
  m.destroy();
  EXPECT_FALSE(fs::exists(dir));
  cleanup.dismiss();
}

}  // namespace
}  // namespace minirun::cgroup
