// cgroup v2 io controller: weights (io.bfq.weight or io.weight) and io.max.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v2.h"
#include "spec/error.h"

namespace minirun::cgroup::v2 {

namespace {
std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }
}  // namespace

uint64_t blkio_weight_to_io_weight(uint64_t w) {
  if (w == 0) return 0;
  if (w < 10) w = 10;
  return 1 + (w - 10) * 9999 / 990;
}

void apply_io(const std::string& dir, const spec::BlockIO& b) {
  // BFQ takes blkio's 1..1000 scale; io.weight has 1..10000.
  bool bfq = fs::exists(f(dir, "io.bfq.weight"));
  if (b.weight && *b.weight != 0) {
    if (bfq) {
      fs::write_field("blockIO.weight", f(dir, "io.bfq.weight"), std::to_string(*b.weight));
    } else {
      fs::write_field("blockIO.weight", f(dir, "io.weight"),
                      "default " + std::to_string(blkio_weight_to_io_weight(*b.weight)));
    }
  }
  for (const auto& wd : b.weight_device) {
    if (!wd.weight || *wd.weight == 0) continue;
    if (bfq) {
      fs::write_field("blockIO.weightDevice", f(dir, "io.bfq.weight"),
                      blkio_device_line(wd.major, wd.minor, *wd.weight));
    } else {
      fs::write_field("blockIO.weightDevice", f(dir, "io.weight"),
                      blkio_device_line(wd.major, wd.minor, blkio_weight_to_io_weight(*wd.weight)));
    }
  }
  // leafWeight has no v2 file; runc ignores it there.
  auto throttle = [&](const char* field, const char* key, const std::vector<spec::ThrottleDevice>& devs) {
    for (const auto& td : devs) {
      fs::write_field(field, f(dir, "io.max"),
                      std::to_string(td.major) + ":" + std::to_string(td.minor) + " " + key + "=" +
                          std::to_string(td.rate));
    }
  };
  throttle("blockIO.throttleReadBpsDevice", "rbps", b.throttle_read_bps);
  throttle("blockIO.throttleWriteBpsDevice", "wbps", b.throttle_write_bps);
  throttle("blockIO.throttleReadIOPSDevice", "riops", b.throttle_read_iops);
  throttle("blockIO.throttleWriteIOPSDevice", "wiops", b.throttle_write_iops);
}

std::vector<BlkioEntry> parse_io_stat(const std::string& text, bool bytes) {
  std::vector<BlkioEntry> out;
  for (const auto& line : fs::split(text, '\n')) {
    auto w = fs::split(fs::trim(line), ' ');
    if (w.size() < 2) continue;
    auto colon = w[0].find(':');
    if (colon == std::string::npos) continue;
    auto major = fs::parse_uint(w[0].substr(0, colon));
    auto minor = fs::parse_uint(w[0].substr(colon + 1));
    if (!major || !minor) continue;
    for (size_t i = 1; i < w.size(); ++i) {
      auto eq = w[i].find('=');
      if (eq == std::string::npos) continue;
      std::string key = w[i].substr(0, eq);
      auto v = fs::parse_uint(w[i].substr(eq + 1));
      if (!v) continue;
      const char* op = nullptr;
      if (key == (bytes ? "rbytes" : "rios")) op = "Read";
      if (key == (bytes ? "wbytes" : "wios")) op = "Write";
      if (op) out.push_back(BlkioEntry{*major, *minor, op, *v});
    }
  }
  return out;
}

void io_stats(const std::string& dir, BlkioStats& out) {
  auto text = fs::try_read(f(dir, "io.stat"));
  if (!text) return;
  out.io_service_bytes_recursive = parse_io_stat(*text, true);
  out.io_serviced_recursive = parse_io_stat(*text, false);
}

}  // namespace minirun::cgroup::v2
