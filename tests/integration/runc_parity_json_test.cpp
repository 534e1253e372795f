// Issue 16: every JSON minirun prints has runc's field names in runc's order
// (state, list, ps, events, features, spec), checked against the installed
// runc on the same bundle; events streams stats with real CPU times.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::ordered_json;
using namespace std::chrono_literals;

constexpr const char* kRunc = "/usr/sbin/runc";

std::vector<std::string> keys(const ordered_json& o) {
  std::vector<std::string> k;
  for (auto it = o.begin(); it != o.end(); ++it) k.push_back(it.key());
  return k;
}

// In every object both documents have at the same path, the keys both have
// come in the same order.  (Go's omitempty drops zero values, so a key may
// be absent on one side only because its value differs.)
void expect_same_order(const ordered_json& runc, const ordered_json& ours, const std::string& path) {
  if (runc.is_object() && ours.is_object()) {
    std::vector<std::string> a, b;
    for (const auto& k : keys(runc))
      if (ours.contains(k)) a.push_back(k);
    for (const auto& k : keys(ours))
      if (runc.contains(k)) b.push_back(k);
    EXPECT_EQ(b, a) << "key order at " << path;
    for (const auto& k : a) expect_same_order(runc[k], ours[k], path + "." + k);
  } else if (runc.is_array() && ours.is_array() && !runc.empty() && !ours.empty()) {
    expect_same_order(runc[0], ours[0], path + "[0]");
  }
}

class RuncParityJsonTest : public MinirunTest {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    if (access(kRunc, X_OK) != 0) GTEST_SKIP() << "no runc at " << kRunc;
    runc_root_ = root_ + "/runc";
  }
  void TearDown() override {
    if (!runc_root_.empty()) {
      Result ids = run_command({kRunc, "--root", runc_root_, "list", "-q"});
      for (const auto& id : split_lines(ids.out)) run_command({kRunc, "--root", runc_root_, "delete", "--force", id});
    }
    MinirunTest::TearDown();
  }
  Result runc(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kRunc, "--root", runc_root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  static ordered_json parse(const Result& r) {
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = ordered_json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? ordered_json() : j;
  }
  std::string runc_root_;
};

TEST_F(RuncParityJsonTest, StateListPsAndStatsMatchRuncsShapes) {
  Bundle b;
  b.config["annotations"] = {{"pg.note", "x"}};
  b.set_args({"sleep", "600"});
  const std::string ours_id = "pg-json-m", runc_id = "pg-json-r";
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), ours_id}).code, 0);
  Result rr = runc({"run", "-d", "-b", b.dir(), runc_id});
  ASSERT_EQ(rr.code, 0) << rr.err;
  // Some CPU time, kernel and user, for the stats to show.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(minirun({"exec", ours_id, "probe", "burn", "30"}).code, 0);
    EXPECT_EQ(runc({"exec", runc_id, "probe", "burn", "30"}).code, 0);
  }

  ordered_json rs = parse(runc({"state", runc_id})), ms = parse(minirun({"state", ours_id}));
  EXPECT_EQ(keys(ms), keys(rs)) << ms.dump();
  EXPECT_EQ(keys(ms), (std::vector<std::string>{"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created",
                                                "annotations", "owner"}));

  ordered_json rl = parse(runc({"list", "-f", "json"})), ml = parse(minirun({"list", "-f", "json"}));
  ASSERT_TRUE(rl.is_array() && ml.is_array() && rl.size() == 1 && ml.size() == 1) << rl << ml;
  EXPECT_EQ(keys(ml[0]), keys(rl[0]));

  ordered_json rp = parse(runc({"ps", "-f", "json", runc_id})), mp = parse(minirun({"ps", "-f", "json", ours_id}));
  ASSERT_TRUE(rp.is_array() && mp.is_array()) << rp << mp;
  EXPECT_EQ(mp.size(), rp.size());
  for (const auto& p : mp) EXPECT_TRUE(p.is_number_integer()) << mp;

  ordered_json re = parse(runc({"events", "--stats", runc_id})), me = parse(minirun({"events", "--stats", ours_id}));
  EXPECT_EQ(keys(me), (std::vector<std::string>{"type", "id", "data"})) << "type first, as runc";
  EXPECT_EQ(keys(me), keys(re));
  EXPECT_EQ(keys(me["data"]), keys(re["data"]));
  expect_same_order(re, me, "events");
  const auto& usage = me["data"]["cpu"]["usage"];
  ASSERT_TRUE(usage.contains("user") && usage.contains("kernel")) << usage;
  // The kernel splits user/system by ticks: their sum tracks the total.
  const uint64_t user = usage["user"].get<uint64_t>(), kernel = usage["kernel"].get<uint64_t>();
  const uint64_t total = usage["total"].get<uint64_t>();
  EXPECT_GT(user, 0u) << usage;
  EXPECT_GE(user + kernel, total / 2) << "60 ms burned: " << usage;
  EXPECT_LE(user + kernel, total * 2) << usage;

  ASSERT_EQ(minirun({"delete", "--force", ours_id}).code, 0);
  ASSERT_EQ(runc({"delete", "--force", runc_id}).code, 0);
  expect_no_leftovers(ours_id);
}

TEST_F(RuncParityJsonTest, FeaturesAndSpecKeepRuncsOrder) {
  ordered_json mf = parse(minirun({"features"}));
  expect_same_order(parse(run_command({kRunc, "features"})), mf, "features");
  auto notes = keys(mf["annotations"]);
  EXPECT_TRUE(std::is_sorted(notes.begin(), notes.end())) << "a Go map prints sorted: " << mf["annotations"];
  for (bool rootless : {false, true}) {
    Bundle a, b;
    std::vector<std::string> extra;
    if (rootless) extra.push_back("--rootless");
    auto in = [&](const Bundle& x, std::vector<std::string> args) {
      args.insert(args.end(), extra.begin(), extra.end());
      args.insert(args.end(), {"-b", x.dir()});
      return args;
    };
    ::unlink((a.dir() + "/config.json").c_str());
    ::unlink((b.dir() + "/config.json").c_str());
    ASSERT_EQ(runc(in(a, {"spec"})).code, 0);
    ASSERT_EQ(minirun(in(b, {"spec"})).code, 0);
    auto rj = ordered_json::parse(read_text(a.dir() + "/config.json"), nullptr, false);
    auto mj = ordered_json::parse(read_text(b.dir() + "/config.json"), nullptr, false);
    EXPECT_EQ(keys(mj), keys(rj));
    expect_same_order(rj, mj, rootless ? "spec --rootless" : "spec");
  }
}

// events streams stats every interval until the container is gone, then
// exits 0; the default interval (5 s) too.
TEST_F(RuncParityJsonTest, EventsStreamStatsUntilTheContainerIsGone) {
  struct Case {
    const char* interval;  // "" for the default
    std::chrono::milliseconds watch;
    size_t at_least;
  };
  const Case cases[] = {{"100ms", 900ms, 4}, {"1s", 2500ms, 2}, {"", 600ms, 0}};
  int n = 0;
  for (const auto& c : cases) {
    Bundle b;
    b.set_args({"sleep", "600"});
    const std::string id = "pg-json-ev" + std::to_string(++n);
    ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), id}).code, 0);
    std::vector<std::string> args = {"events"};
    if (*c.interval) args.insert(args.end(), {"--interval", c.interval});
    args.push_back(id);
    auto events = std::async(std::launch::async, [&] { return minirun(args, "", 30); });
    EXPECT_EQ(events.wait_for(c.watch), std::future_status::timeout) << "events stopped while the container runs";
    ASSERT_EQ(minirun({"kill", id, "KILL"}).code, 0);
    Result e = events.get();
    EXPECT_EQ(e.code, 0) << e.err;
    auto lines = split_lines(e.out);
    EXPECT_GE(lines.size(), c.at_least) << c.interval << ": " << e.out;
    if (!*c.interval) {
      EXPECT_EQ(lines.size(), 0u) << "default interval is 5s: " << e.out;
    }
    for (const auto& l : lines) {
      auto j = ordered_json::parse(l, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << l;
      EXPECT_EQ(keys(j), (std::vector<std::string>{"type", "id", "data"})) << l;
      EXPECT_EQ(j["type"], "stats");
    }
    wait_until([&] { return status_of(id) == "stopped"; });
    ASSERT_EQ(minirun({"delete", id}).code, 0);
    expect_no_leftovers(id);
  }
}

}  // namespace
}  // namespace minirun::test
