// Issue 6: a running container's cgroup through the runc commands: update
// raises live limits, pause/resume, events (stats and oom), state after an
// OOM kill, a pre-frozen cgroup refused, cgroupsPath placement and cleanup
// in every hierarchy.
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "cgroup_helpers.h"

namespace minirun::test {
namespace {

using namespace std::chrono_literals;

class CgroupLifecycleTest : public MinirunTest {
 protected:
  // Starts a detached container running args; asserts it runs.
  void run_detached(Bundle& b, const std::string& id, const std::vector<std::string>& args) {
    b.set_args(args);
    Result r = minirun({"run", "-d", "-b", b.dir(), id});
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(status_of(id), "running");
  }
  nlohmann::json stats(const std::string& id) {
    Result r = minirun({"events", "--stats", id});
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  }
  // /proc/PID/comm of the container's init.
  std::string init_comm_path(const std::string& id) {
    auto j = nlohmann::json::parse(minirun({"state", id}).out, nullptr, false);
    return "/proc/" + std::to_string(j.is_discarded() ? 0 : j.value("pid", 0)) + "/comm";
  }
  // Whether our `minirun --root ROOT args...` is blocked in poll(): `events`
  // has then read the OOM count it reports increases of.
  bool blocked_in_poll(const std::vector<std::string>& args) {
    std::string want = std::string(MINIRUN_BIN) + '\0' + "--root" + '\0' + root_ + '\0';
    for (const auto& a : args) want += a + '\0';
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      std::string dir = e.path();
      if (read_text(dir + "/cmdline") != want) continue;
      long nr = std::strtol(read_text(dir + "/syscall").c_str(), nullptr, 10);  // "running" reads as 0
#ifdef SYS_poll
      if (nr == SYS_poll) return true;
#endif
      if (nr == SYS_ppoll) return true;
    }
    return false;
  }
};

TEST_F(CgroupLifecycleTest, UpdateRaisesLiveLimitsAndTheNewValueHolds) {
  Bundle b;
  set_resources(b, {{"memory", oom_memory(32 * kMiB)}, {"pids", {{"limit", 5}}}});
  run_detached(b, "upd", {"sleep", "600"});
  auto hog = [&] { return minirun({"exec", "upd", "probe", "memhog", "48"}); };
  // setsid: the probe's final kill(0) must stay inside the container.
  auto forks = [&] { return field(minirun({"exec", "upd", "setsid", "probe", "forkbomb", "20"}).out, "forked"); };

  EXPECT_EQ(hog().code, 137) << "48 MiB under a 32 MiB limit";
  Result u = minirun({"update", "--memory", "64M", "upd"});
  ASSERT_EQ(u.code, 0) << u.err;
  Result h = hog();
  EXPECT_EQ(h.code, 0) << h.err;
  EXPECT_EQ(h.out, "allocated 48 MiB\n");
  EXPECT_EQ(stats("upd")["data"]["memory"]["usage"]["limit"], 64 * kMiB);

  // -r FILE lowers it again.
  std::string file = root_ + "/resources.json";
  std::ofstream(file) << R"({"memory": {"limit": 33554432}})";
  u = minirun({"update", "-r", file, "upd"});
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(hog().code, 137);

  EXPECT_LT(std::stoi("0" + forks()), 20) << "pids.limit 5";
  u = minirun({"update", "--pids-limit", "50", "upd"});
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(forks(), "20");
  EXPECT_EQ(stats("upd")["data"]["pids"]["limit"], 50);

  // -r - reads stdin; the other flags are ignored, as runc.
  u = minirun({"update", "-r", "-", "--memory", "1M", "upd"}, R"({"memory": {"limit": 134217728}})");
  ASSERT_EQ(u.code, 0) << u.err;
  h = hog();
  EXPECT_EQ(h.code, 0) << h.err;
  EXPECT_EQ(stats("upd")["data"]["memory"]["usage"]["limit"], 128 * kMiB);

  // Bad input: one line naming the flag; the limit stays.
  Result bad = minirun({"update", "--memory", "lots", "upd"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err, "minirun: update upd: --memory: invalid size \"lots\"\n");
  bad = minirun({"update", "--pids-limit", "x", "upd"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(split_lines(bad.err).size(), 1u) << bad.err;
  EXPECT_EQ(stats("upd")["data"]["memory"]["usage"]["limit"], 128 * kMiB);
  EXPECT_EQ(forks(), "20");

  ASSERT_EQ(minirun({"delete", "--force", "upd"}).code, 0);
  expect_no_leftovers("upd");
}

TEST_F(CgroupLifecycleTest, PauseStopsTheCounterAndResumeRestartsIt) {
  Bundle b;
  std::string out = make_temp_dir("minirun-count");
  b.config["mounts"].push_back(
      {{"destination", "/out"}, {"type", "bind"}, {"source", out}, {"options", {"rbind", "rw"}}});
  run_detached(b, "counter", {"sh", "-c", "exec probe count > /out/count"});
  auto lines = [&] { return split_lines(read_text(out + "/count")).size(); };
  wait_until([&] { return lines() >= 3; });
  ASSERT_GE(lines(), 3u) << "the counter never counted";

  Result p = minirun({"pause", "counter"});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(status_of("counter"), "paused");
  size_t frozen_at = lines();
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(lines(), frozen_at) << "counted while paused";

  Result r = minirun({"resume", "counter"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(status_of("counter"), "running");
  wait_until([&] { return lines() >= frozen_at + 3; });
  EXPECT_GE(lines(), frozen_at + 3) << "did not count again after resume";

  Result again = minirun({"resume", "counter"});
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "minirun: resume counter: container not paused\n");

  // A paused container is deleted with --force too.
  ASSERT_EQ(minirun({"pause", "counter"}).code, 0);
  Result d = minirun({"delete", "--force", "counter"});
  EXPECT_EQ(d.code, 0) << d.err;
  expect_no_leftovers("counter");
  remove_tree(out);
}

// A cgroup this test froze itself, under our own cgroup: create must refuse
// it at once instead of hanging with an init that can never run.
TEST_F(CgroupLifecycleTest, PreFrozenCgroupIsRefusedAtCreate) {
  auto hs = cgroup_hierarchies();
  const Hierarchy* mem = find_hierarchy(hs, "memory");
  ASSERT_NE(mem, nullptr);
  std::string base = (mem->own == "/" ? "" : mem->own) + "/minirun-frozen-" + std::to_string(getpid());
  struct Case {
    const char* hierarchy;
    const char* file;
    const char* frozen;
    const char* thawed;
  };
  for (const Case& c :
       {Case{"freezer", "freezer.state", "FROZEN", "THAWED"}, Case{"unified", "cgroup.freeze", "1", "0"}}) {
    SCOPED_TRACE(c.hierarchy);
    const Hierarchy* h = find_hierarchy(hs, c.hierarchy);
    if (!h) continue;
    // Make the frozen parent (and any missing dirs above it), undone at the end.
    std::vector<std::string> made;
    std::string d = h->mount;
    for (const auto& part : split_lines([&] {
           std::string s = base;
           for (auto& ch : s)
             if (ch == '/') ch = '\n';
           return s;
         }())) {
      d += "/" + part;
      if (mkdir(d.c_str(), 0755) == 0) made.push_back(d);
    }
    std::ofstream(d + "/" + c.file) << c.frozen;
    Bundle b;
    b.config["linux"]["cgroupsPath"] = base + "/ctr";
    b.set_args({"true"});
    auto start = std::chrono::steady_clock::now();
    Result r = minirun({"create", "-b", b.dir(), "frozen"}, "", 30);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "minirun: create frozen: cgroup: cgroup " + d + "/ctr is frozen; thaw it first\n");
    EXPECT_LT(took, 5s);
    EXPECT_EQ(status_of("frozen"), "");
    EXPECT_TRUE(existing_cgroup_dirs(base + "/ctr").empty()) << joined(existing_cgroup_dirs(base + "/ctr"));
    // Only the dirs this test made are left (the runtime removed what it made).
    for (const auto& other : hs) {
      if (other.key == c.hierarchy) continue;
      EXPECT_FALSE(path_exists(other.mount + base)) << other.mount + base;
    }
    std::ofstream(d + "/" + c.file) << c.thawed;
    for (auto it = made.rbegin(); it != made.rend(); ++it) rmdir(it->c_str());
    expect_no_leftovers("frozen");
  }
}

TEST_F(CgroupLifecycleTest, EventsStatsAreRealNumbers) {
  Bundle b;
  set_resources(b, {{"memory", {{"limit", 64 * kMiB}}}, {"pids", {{"limit", 20}}}});
  // burn, not spin: 200 ms of CPU however busy the host is.  Their reports go
  // to /dev/null: the harness's pipe is closed once `run -d` has returned.
  run_detached(b, "stats", {"sh", "-c", "probe memhog 8 >/dev/null && probe burn 200 >/dev/null && exec sleep 600"});
  const std::string comm = init_comm_path("stats");
  ASSERT_TRUE(wait_until([&] { return read_text(comm) == "sleep\n"; })) << "the hog and the burn never finished";
  nlohmann::json s = stats("stats");
  ASSERT_EQ(s.value("type", ""), "stats") << s.dump();
  EXPECT_EQ(s["id"], "stats");
  const auto& d = s["data"];
  EXPECT_GT(d["memory"]["usage"]["usage"].get<uint64_t>(), 0u) << d["memory"].dump();
  EXPECT_GE(d["memory"]["usage"]["max"].get<uint64_t>(), 8u * kMiB) << "the 8 MiB hog shows in the peak";
  EXPECT_EQ(d["memory"]["usage"]["limit"], 64 * kMiB);
  EXPECT_GE(d["pids"]["current"].get<uint64_t>(), 1u);
  EXPECT_EQ(d["pids"]["limit"], 20);
  EXPECT_GT(d["cpu"]["usage"]["total"].get<uint64_t>(), 100'000'000u) << "the 200 ms burn shows in cpu total (ns)";
  EXPECT_FALSE(d["cpu"]["usage"]["percpu"].empty());
  ASSERT_EQ(minirun({"delete", "--force", "stats"}).code, 0);
  expect_no_leftovers("stats");
}

// `events` streams an oom event; once stopped, `state` shows the kill as an
// annotation (the JSON keeps runc's shape); `run` said it on stderr.
TEST_F(CgroupLifecycleTest, EventsStreamAnOomEventAndStateShowsIt) {
  Bundle b;
  set_resources(b, {{"memory", oom_memory(32 * kMiB)}});
  b.set_args({"sh", "-c", "sleep 1; exec probe memhog 100"});
  Result c = minirun({"create", "-b", b.dir(), "oomev"});
  ASSERT_EQ(c.code, 0) << c.err;
  const std::vector<std::string> events_args = {"events", "--interval", "30s", "oomev"};
  auto events = std::async(std::launch::async, [&] { return minirun(events_args, "", 30); });
  // events only reports kills past the count it reads when it starts.
  EXPECT_TRUE(wait_until([&] { return blocked_in_poll(events_args); })) << "events never started listening";
  Result s = minirun({"start", "oomev"});
  ASSERT_EQ(s.code, 0) << s.err;
  Result e = events.get();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "{\"type\":\"oom\",\"id\":\"oomev\"}\n") << "events exits when the init dies";
  wait_until([&] { return status_of("oomev") == "stopped"; });
  Result st = minirun({"state", "oomev"});
  ASSERT_EQ(st.code, 0) << st.err;
  auto j = nlohmann::json::parse(st.out);
  EXPECT_EQ(j["status"], "stopped");
  EXPECT_EQ(j["annotations"]["run.minirun.oom.kills"], "1") << st.out;
  EXPECT_EQ(st.err, "");

  // Without an OOM kill no annotation appears.
  b.set_args({"true"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "nooom"}).code, 0);
  wait_until([&] { return status_of("nooom") == "stopped"; });
  auto k = nlohmann::json::parse(minirun({"state", "nooom"}).out);
  EXPECT_FALSE(k.contains("annotations")) << k.dump();
  for (const char* id : {"oomev", "nooom"}) {
    EXPECT_EQ(minirun({"delete", id}).code, 0);
    expect_no_leftovers(id);
  }
}

// Every dir from the hierarchy's base down to the container's, that exists.
std::vector<std::string> existing_prefixes(const std::vector<Hierarchy>& hs, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& h : hs) {
    std::string d = path[0] == '/' ? h.mount : h.own_dir();
    for (const auto& part : split_lines([&] {
           std::string t = path;
           for (auto& ch : t)
             if (ch == '/') ch = '\n';
           return t;
         }())) {
      d += "/" + part;
      if (path_exists(d)) out.push_back(d);
    }
  }
  return out;
}

// Relative cgroupsPath nests under our own cgroup in every hierarchy,
// absolute goes where asked; delete removes the dirs create made (parents
// too) in every hierarchy, named ones and cgroup2 included.
TEST_F(CgroupLifecycleTest, CgroupsPathNestsWhereAskedAndDeleteCleansEveryHierarchy) {
  auto hs = cgroup_hierarchies();
  const Hierarchy* mem = find_hierarchy(hs, "memory");
  ASSERT_NE(mem, nullptr);
  std::string tag = std::to_string(getpid());
  std::string own_mem = mem->own == "/" ? "" : mem->own;
  struct Case {
    std::string id, cgroups_path, memory_line;  // memory_line: the init's /proc/1/cgroup memory path
  };
  for (const Case& c :
       {Case{"nest-default", "", own_mem + "/nest-default"},
        Case{"nest-rel", "minirun-rel-" + tag + "/ctr", own_mem + "/minirun-rel-" + tag + "/ctr"},
        Case{"nest-abs", own_mem + "/minirun-abs-" + tag + "/ctr", own_mem + "/minirun-abs-" + tag + "/ctr"}}) {
    SCOPED_TRACE(c.id);
    std::string path = c.cgroups_path.empty() ? c.id : c.cgroups_path;
    auto before = existing_prefixes(hs, path);
    Bundle b;
    if (!c.cgroups_path.empty()) b.config["linux"]["cgroupsPath"] = c.cgroups_path;
    run_detached(b, c.id, {"sleep", "600"});
    Result in = minirun({"exec", c.id, "probe", "read", "/proc/1/cgroup"});
    ASSERT_EQ(in.code, 0) << in.err;
    EXPECT_NE(in.out.find(":memory:" + c.memory_line + "\n"), std::string::npos) << in.out;
    // The container's dir exists in every hierarchy and holds its init.
    std::vector<std::string> dirs = existing_cgroup_dirs(path);
    EXPECT_EQ(dirs.size(), hs.size()) << joined(dirs);
    for (const auto& h : hs) {
      std::string d = path[0] == '/' ? h.mount + path : h.own_dir() + "/" + path;
      EXPECT_FALSE(read_text(d + "/cgroup.procs").empty()) << h.key << ": no process in " << d;
    }
    ASSERT_EQ(minirun({"delete", "--force", c.id}).code, 0);
    EXPECT_EQ(joined(existing_prefixes(hs, path)), joined(before)) << "dirs left after delete";
    expect_no_leftovers(c.id);
  }
}

// The default config's "cgroup" mount on this v1/hybrid host: a read-only
// tmpfs with one read-only bind per v1 hierarchy of the container's own
// cgroup (the runtime builds it as a detached tree; the init attaches it).
TEST_F(CgroupLifecycleTest, SysFsCgroupShowsTheContainersOwnCgroupsReadOnly) {
  auto hs = cgroup_hierarchies();
  if (!find_hierarchy(hs, "memory")) GTEST_SKIP() << "no cgroup v1 memory hierarchy here";
  Bundle b;
  run_detached(b, "cgview", {"sleep", "600"});
  Result mounts = minirun({"exec", "cgview", "probe", "mounts"});
  ASSERT_EQ(mounts.code, 0) << mounts.err;
  Result self = minirun({"exec", "cgview", "probe", "read", "/proc/1/cgroup"});
  ASSERT_EQ(self.code, 0) << self.err;
  bool tmpfs_ro = false;
  for (const auto& line : split_lines(mounts.out)) {
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    if (f.size() < 6) continue;
    if (f[4] == "/sys/fs/cgroup") tmpfs_ro = line.find(" - tmpfs ") != std::string::npos && f[5].rfind("ro,", 0) == 0;
  }
  EXPECT_TRUE(tmpfs_ro) << mounts.out;
  for (const auto& h : hs) {
    if (h.key == "unified") continue;
    SCOPED_TRACE(h.key);
    // The init's path in this hierarchy, as /proc/1/cgroup names it.
    std::string own;
    for (const auto& line : split_lines(self.out)) {
      auto a = line.find(':'), c = line.find(':', a + 1);
      std::stringstream cs(line.substr(a + 1, c - a - 1));
      for (std::string one; std::getline(cs, one, ',');)
        if (one == h.key) own = line.substr(c + 1);
    }
    ASSERT_FALSE(own.empty()) << self.out;
    const std::string name = h.mount.substr(h.mount.rfind('/') + 1);
    const std::string want = " " + own + " /sys/fs/cgroup/" + name + " ro,";
    EXPECT_NE(mounts.out.find(want), std::string::npos) << "no read-only bind of " << own << ":\n" << mounts.out;
  }
  // The memory dir is the container's: only its processes, and no writes.
  Result procs = minirun({"exec", "cgview", "probe", "read", "/sys/fs/cgroup/memory/cgroup.procs"});
  ASSERT_EQ(procs.code, 0) << procs.err;
  EXPECT_NE(("\n" + procs.out).find("\n1\n"), std::string::npos) << procs.out;
  EXPECT_EQ(minirun({"exec", "cgview", "probe", "mkdir", "/sys/fs/cgroup/memory/sub"}).out, "EROFS\n");
  EXPECT_EQ(minirun({"exec", "cgview", "probe", "mkdir", "/sys/fs/cgroup/extra"}).out, "EROFS\n");
  ASSERT_EQ(minirun({"delete", "--force", "cgview"}).code, 0);
  expect_no_leftovers("cgview");
}

}  // namespace
}  // namespace minirun::test
