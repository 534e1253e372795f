// cgroup v2: the `unified` map, pids and hugetlb stats.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v2.h"
#include "spec/error.h"

namespace minirun::cgroup::v2 {

namespace {
std::string f(const std::string& dir, const std::string& name) { return fs::join(dir, name); }
}  // namespace

std::string unified_key_controller(const std::string& key) {
  auto dot = key.find('.');
  if (key.find('/') != std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
    throw Error("linux.resources.unified: \"" + key + "\": not a cgroup v2 file name (controller.file)", EINVAL);
  }
  return key.substr(0, dot);
}

void apply_unified(const std::string& dir, const std::map<std::string, std::string>& unified) {
  for (const auto& [key, value] : unified) {
    unified_key_controller(key);
    std::string file = f(dir, key);
    if (!fs::exists(file)) {
      throw Error("linux.resources.unified: \"" + key + "\": " + file +
                      " does not exist (controller not enabled or unknown file)",
                  ENOENT);
    }
    fs::write_field("unified: \"" + key + "\"", file, value);
  }
}

void pids_stats(const std::string& dir, PidsStats& out) {
  out.current = fs::read_uint(f(dir, "pids.current"));
  out.limit = fs::read_uint(f(dir, "pids.max"));
}

void hugetlb_stats(const std::string& dir, std::map<std::string, HugetlbStats>& out) {
  for (const auto& size : fs::hugepage_sizes()) {
    std::string base = f(dir, "hugetlb." + size + ".");
    if (!fs::exists(base + "current")) continue;
    HugetlbStats s;
    s.usage = fs::read_uint(base + "current");
    s.failcnt = fs::read_keyed(base + "events")["max"];
    out[size] = s;
  }
}

}  // namespace minirun::cgroup::v2
