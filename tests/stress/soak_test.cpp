// Issue 17, the soak (`scripts/test.sh --long` only: MINIRUN_LONG=1): 2000
// sequential `run`s with an overlay and the bridge network.  The host's
// mount count, the cgroup dirs below ours, this caller's fds, the lease file
// and the kernel's Slab must not grow, and the per-run time of the last 100
// runs is printed beside the first 100's to show it stays flat.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "harness.h"

namespace minirun::test {
namespace {

size_t mount_count() { return split_lines(read_text("/proc/self/mountinfo")).size(); }

size_t cgroup_dir_count() {
  size_t n = 0;
  for (const char* c : {"memory", "pids", "cpu", "devices", "unified"}) {
    std::string base = own_cgroup_dir(c);
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(base, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory()) ++n;
  }
  return n;
}

long slab_kib() {
  for (const auto& line : split_lines(read_text("/proc/meminfo")))
    if (line.rfind("Slab:", 0) == 0) return std::atol(line.c_str() + 5);
  return -1;
}

struct Sample {
  size_t mounts, cgroups;
  int fds;
  long slab;
  std::string leases;
};

double mean_ms(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST_F(MinirunTest, SoakOf2000RunsGrowsNothing) {
  const char* long_mode = std::getenv("MINIRUN_LONG");
  if (!long_mode || std::string(long_mode) != "1") GTEST_SKIP() << "the soak runs with scripts/test.sh --long";
  PrivateNetns netns;
  ASSERT_TRUE(netns.ok()) << "cannot make a private network namespace";
  Bundle b;
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  b.config["annotations"]["run.minirun.network"] = "bridge";
  b.set_args({"true"});
  const int kRuns = 2000, kWindow = 100;
  auto sample = [&] {
    return Sample{mount_count(), cgroup_dir_count(), open_fd_count(), slab_kib(),
                  read_text(root_ + "/network/minirun0.leases")};
  };
  std::vector<double> ms;
  Sample first{};
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Result r = minirun({"run", "-b", b.dir(), "rela-soak"});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_EQ(r.code, 0) << "run " << i << ": " << r.err;
    if (i == kWindow - 1) first = sample();  // after the first 100: caches and the bridge are warm
  }
  Sample last = sample();
  std::vector<double> head(ms.begin(), ms.begin() + kWindow), tail(ms.end() - kWindow, ms.end());
  std::printf("soak: %d runs; first %d: mean %.2f ms, median %.2f ms; last %d: mean %.2f ms, median %.2f ms\n",
              kRuns, kWindow, mean_ms(head), median_ms(head), kWindow, mean_ms(tail), median_ms(tail));
  std::printf("soak: mounts %zu -> %zu, cgroup dirs %zu -> %zu, fds %d -> %d, Slab %ld -> %ld KiB\n", first.mounts,
              last.mounts, first.cgroups, last.cgroups, first.fds, last.fds, first.slab, last.slab);
  EXPECT_EQ(last.mounts, first.mounts);
  EXPECT_EQ(last.cgroups, first.cgroups);
  EXPECT_EQ(last.fds, first.fds);
  EXPECT_EQ(last.leases, "") << "leases left";
  EXPECT_EQ(first.leases, "");
  // Slab moves with everything else on the host: growth that would be a
  // leak of ~4 KiB per run shows through the noise.
  EXPECT_LT(last.slab - first.slab, 8 * 1024) << "Slab grew by " << last.slab - first.slab << " KiB";
  EXPECT_LT(mean_ms(tail), 1.5 * mean_ms(head) + 5) << "runs slowed down";
}

}  // namespace
}  // namespace minirun::test
