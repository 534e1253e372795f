// `events --stats`: runc's types.Stats JSON, with what Go's omitempty drops
// left out and runc's field order kept (tools parse it by key, people read it).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {
namespace {

TEST(CliStats, ZeroStatsKeepOnlyWhatRuncAlwaysPrints) {
  EXPECT_EQ(stats_json(cgroup::Stats{}).dump(),
            R"({"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},)"
            R"("cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,)"
            R"("memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,)"
            R"("sched_relax_domain_level":0},)"
            R"("memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},)"
            R"("kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},)"
            R"("pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null})");
}

TEST(CliStats, NumbersGivenAppearInRuncsOrder) {
  cgroup::Stats s;
  s.cpu.total_usage = 7;
  s.cpu.percpu_usage = {3, 4};
  s.cpu.throttled_time = 9;
  s.memory.cache = 5;
  s.memory.usage = {.usage = 10, .max_usage = 12, .failcnt = 1, .limit = 100};
  s.memory.raw = {{"rss", 2}, {"cache", 5}};
  s.pids = {.current = 3, .limit = 64};
  s.blkio.io_serviced_recursive = {{.major = 8, .minor = 0, .op = "Read", .value = 4}, {.op = "Total"}};
  s.hugetlb["2MB"] = {.usage = 0, .max_usage = 6, .failcnt = 0};
  nlohmann::ordered_json j = stats_json(s);
  EXPECT_EQ(j["cpu"].dump(), R"({"usage":{"total":7,"percpu":[3,4],"kernel":0,"user":0},"throttling":{"throttledTime":9}})");
  EXPECT_EQ(j["memory"]["cache"], 5);
  EXPECT_EQ(j["memory"]["usage"].dump(), R"({"limit":100,"usage":10,"max":12,"failcnt":1})");
  EXPECT_EQ(j["memory"]["raw"].dump(), R"({"cache":5,"rss":2})");
  EXPECT_EQ(j["pids"].dump(), R"({"current":3,"limit":64})");
  EXPECT_EQ(j["blkio"].dump(), R"({"ioServicedRecursive":[{"major":8,"op":"Read","value":4},{"op":"Total"}]})");
  EXPECT_EQ(j["hugetlb"].dump(), R"({"2MB":{"max":6,"failcnt":0}})");
}

}  // namespace
}  // namespace minirun::runtime::cli
