// cgroup v1 blkio controller: weights (CFQ or BFQ files) and throttling.
#include <cerrno>

#include "cgroup/fs.h"
#include "cgroup/v1.h"
#include "spec/error.h"

namespace minirun::cgroup::v1 {

namespace {
std::string f(const std::string& dir, const char* name) { return fs::join(dir, name); }
}  // namespace

void apply_blkio(const std::string& dir, const spec::BlockIO& b) {
  // CFQ is gone from modern kernels; BFQ exposes the same knobs as blkio.bfq.*.
  bool cfq = fs::exists(f(dir, "blkio.weight"));
  const char* weight_file = cfq ? "blkio.weight" : "blkio.bfq.weight";
  const char* weight_device_file = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";

  if (b.weight && *b.weight != 0) fs::write_field("blockIO.weight", f(dir, weight_file), std::to_string(*b.weight));
  if (b.leaf_weight && *b.leaf_weight != 0) {
    fs::write_field("blockIO.leafWeight", f(dir, "blkio.leaf_weight"), std::to_string(*b.leaf_weight));
  }
  for (const auto& wd : b.weight_device) {
    if (wd.weight && *wd.weight != 0) {
      fs::write_field("blockIO.weightDevice", f(dir, weight_device_file),
                      blkio_device_line(wd.major, wd.minor, *wd.weight));
    }
    if (wd.leaf_weight && *wd.leaf_weight != 0) {
      fs::write_field("blockIO.weightDevice.leafWeight", f(dir, "blkio.leaf_weight_device"),
                      blkio_device_line(wd.major, wd.minor, *wd.leaf_weight));
    }
  }
  auto throttle = [&](const char* field, const char* file, const std::vector<spec::ThrottleDevice>& devs) {
    for (const auto& td : devs) fs::write_field(field, f(dir, file), blkio_device_line(td.major, td.minor, td.rate));
  };
  throttle("blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device", b.throttle_read_bps);
  throttle("blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device", b.throttle_write_bps);
  throttle("blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device", b.throttle_read_iops);
  throttle("blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", b.throttle_write_iops);
}

std::vector<BlkioEntry> parse_blkio_stat(const std::string& text) {
  std::vector<BlkioEntry> out;
  for (const auto& line : fs::split(text, '\n')) {
    std::vector<std::string> w;
    for (auto& x : fs::split(fs::trim(line), ' ')) {
      if (!x.empty()) w.push_back(x);
    }
    if (w.size() != 3) continue;  // "Total N" and blank lines
    auto colon = w[0].find(':');
    if (colon == std::string::npos) continue;
    auto major = fs::parse_uint(w[0].substr(0, colon));
    auto minor = fs::parse_uint(w[0].substr(colon + 1));
    auto value = fs::parse_uint(w[2]);
    if (!major || !minor || !value) continue;
    out.push_back(BlkioEntry{*major, *minor, w[1], *value});
  }
  return out;
}

void blkio_stats(const std::string& dir, BlkioStats& out) {
  // First of CFQ, BFQ, throttle that has data, as runc.
  for (const char* prefix : {"blkio.", "blkio.bfq.", "blkio.throttle."}) {
    auto bytes = fs::try_read(f(dir, (std::string(prefix) + "io_service_bytes_recursive").c_str()));
    if (!bytes) continue;
    auto entries = parse_blkio_stat(*bytes);
    if (entries.empty() && std::string(prefix) != "blkio.throttle.") continue;
    out.io_service_bytes_recursive = entries;
    if (auto ops = fs::try_read(f(dir, (std::string(prefix) + "io_serviced_recursive").c_str()))) {
      out.io_serviced_recursive = parse_blkio_stat(*ops);
    }
    return;
  }
}

}  // namespace minirun::cgroup::v1
