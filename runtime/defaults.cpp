#include "runtime/defaults.h"

namespace minirun::runtime {

namespace {

spec::DeviceRule allow(const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                       const char* access = "rwm") {
  spec::DeviceRule r;
  r.allow = true;
  r.type = type;
  r.major = major;
  r.minor = minor;
  r.access = access;
  return r;
}

}  // namespace

spec::Resources resources_with_default_devices(const std::optional<spec::Resources>& r) {
  spec::Resources out = r.value_or(spec::Resources{});
  const std::vector<spec::DeviceRule> defaults = {
      allow("c", std::nullopt, std::nullopt, "m"),  // mknod of any char device
      allow("b", std::nullopt, std::nullopt, "m"),  // mknod of any block device
      allow("c", 1, 3),                             // /dev/null
      allow("c", 1, 8),                             // /dev/random
      allow("c", 1, 7),                             // /dev/full
      allow("c", 5, 0),                             // /dev/tty
      allow("c", 1, 5),                             // /dev/zero
      allow("c", 1, 9),                             // /dev/urandom
      allow("c", 136, std::nullopt),                // /dev/pts/*
      allow("c", 5, 2),                             // /dev/ptmx
      allow("c", 10, 200),                          // /dev/net/tun
  };
  out.devices.insert(out.devices.end(), defaults.begin(), defaults.end());
  return out;
}

rootfs::Options rootfs_options(const spec::Spec& sp, const std::string& bundle, const std::string& rootfs_path) {
  rootfs::Options o;
  o.rootfs = rootfs_path;
  o.bundle = bundle;
  o.readonly = sp.root.readonly;
  o.mounts = sp.mounts;
  o.devices = sp.linux.devices;
  o.masked_paths = sp.linux.masked_paths;
  o.readonly_paths = sp.linux.readonly_paths;
  o.sysctl = sp.linux.sysctl;
  o.propagation = sp.linux.rootfs_propagation;
  o.mount_label = sp.linux.mount_label;
  return o;
}

}  // namespace minirun::runtime
