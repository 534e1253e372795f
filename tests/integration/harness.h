// Integration test harness: drives the built minirun binary (as root) on real
// busybox bundles made by scripts/mkbundle.sh, with a private --root per test,
// and cleans up every container, state dir and bundle even when a test fails.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace minirun::test {

struct Result {
  int code = -1;  // exit status, or 128+signal
  std::string out;
  std::string err;
};

// Runs argv with stdin = input; kills it after timeout_s.
Result run_command(const std::vector<std::string>& argv, const std::string& input = "", int timeout_s = 60);
// Starts a daemon (an engine) in its own process group with stdout and
// stderr to log_path; returns its pid, for the caller to kill and reap.
pid_t start_logged(const std::vector<std::string>& argv, const std::string& log_path);

std::string make_temp_dir(const std::string& prefix);
void remove_tree(const std::string& path);
std::string read_text(const std::string& path);  // "" if unreadable
bool path_exists(const std::string& path);
// Detaches every mount at or below dir (what an engine a test ran left).
void unmount_under(const std::string& dir);
// For what a container or an engine does in the background: checks `done`
// every 20 ms until it holds (true) or timeout_ms passed (false, after one
// last check).  The default is generous: a loaded CI VM is slow, and a
// passing test returns as soon as the condition holds.
bool wait_until(const std::function<bool()>& done, int timeout_ms = 20000);

// The shared read-only busybox rootfs (with /bin/probe), built once.
const std::string& base_rootfs();

// A bundle dir whose config.json is `minirun spec` output, editable as JSON.
class Bundle {
 public:
  // private_rootfs: a copy of the base rootfs the container may write to.
  explicit Bundle(bool private_rootfs = false, const std::vector<std::string>& spec_flags = {});
  ~Bundle();
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  const std::string& dir() const { return dir_; }
  std::string rootfs() const;
  nlohmann::json config;
  // Sets process.args and terminal false, and saves.
  void set_args(const std::vector<std::string>& args);
  void save() const;

 private:
  std::string dir_;
  bool private_rootfs_;
};

class MinirunTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // minirun --root ROOT args...
  Result minirun(const std::vector<std::string>& args, const std::string& input = "", int timeout_s = 60);
  std::string status_of(const std::string& id);  // "" when unknown
  // Asserts nothing of id is left: state dir, cgroup dirs, mounts.
  void expect_no_leftovers(const std::string& id);
  std::string root_;
};

// The cgroup v1 dir of this test process for a controller ("memory").
std::string own_cgroup_dir(const std::string& controller);
// Every dir named `name` under our own cgroups in every hierarchy.
std::vector<std::string> find_cgroup_dirs(const std::string& name);

// The CPUs this test process may run on, lowest first: a container's cpuset
// or affinity must come from these (CI machines may have one CPU, or a
// cpuset without CPU 0).
std::vector<int> allowed_cpus();
// Whether swap is on: a hog over a memory-only limit then swaps, not OOMs.
bool host_has_swap();

// Pids other than ours whose command line or environment holds `text` (a
// container ID, or a marker put in a container's process.env): what is
// left of a container (its init is a clone of minirun, with its argv).
std::vector<pid_t> processes_mentioning(const std::string& text);
// How many fds this process has open.
int open_fd_count();

// Moves the calling thread (and what it starts) into a network namespace of
// its own with lo up, and back on destruction: bridges and veths a test
// makes stay there and go with it.
class PrivateNetns {
 public:
  PrivateNetns();
  ~PrivateNetns();
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  bool ok() const { return ok_; }
  // Interface names in it.
  static std::set<std::string> links();

 private:
  int host_netns_ = -1;
  bool ok_ = false;
};

std::vector<std::string> split_lines(const std::string& s);
// "key=value" lines -> value of key ("" if absent).
std::string field(const std::string& report, const std::string& key);

}  // namespace minirun::test
