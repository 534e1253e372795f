// runc's defaults that the spec leaves to the runtime, and the translation of
// the spec into the plain option structs of rootfs/.
#pragma once

#include <optional>
#include <string>

#include "rootfs/rootfs.h"
#include "spec/spec.h"

namespace minirun::runtime {

// The config's device rules followed by runc's always-allowed devices
// (specconv.AllowedDevices: mknod of any, null, random, full, tty, zero,
// urandom, pts, ptmx, tun), in runc's order.  linux.devices only makes
// nodes: it never adds to what the container may open (runc neither).
spec::Resources resources_with_default_devices(const std::optional<spec::Resources>& r);

rootfs::Options rootfs_options(const spec::Spec& sp, const std::string& bundle, const std::string& rootfs_path);

}  // namespace minirun::runtime
