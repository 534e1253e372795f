// runc's defaults that the spec leaves to the runtime, and the translation of
// the spec into the plain option structs of rootfs/.
#pragma once

#include <optional>
#include <string>

#include "rootfs/rootfs.h"
#include "spec/spec.h"

namespace minirun::runtime {

// The config's device rules followed by runc's always-allowed devices
// (null, zero, full, random, urandom, tty, console, ptmx, pts, tun, mknod of
// any) and allow rules for linux.devices: the order runc applies them in.
spec::Resources resources_with_default_devices(const std::optional<spec::Resources>& r,
                                               const std::vector<spec::Device>& devices);

rootfs::Options rootfs_options(const spec::Spec& sp, const std::string& bundle, const std::string& rootfs_path);

}  // namespace minirun::runtime
