// minirun's config-driven extensions: annotations under "run.minirun."
// (OCI has no fields for them).  Absent means plain runc behaviour.
//   run.minirun.rootfs.overlay        "true": root.path is the read-only lower
//                                     layer, an ephemeral upper lives in the
//                                     state dir
//   run.minirun.rootfs.overlay.lower  extra lower layers, colon-separated,
//                                     top first, above root.path
//   run.minirun.rootfs.overlay.upper  a persistent upper dir (kept on delete)
//   run.minirun.rootfs.overlay.work   its work dir (default: UPPER/../work)
//   run.minirun.rootfs.overlay.size   size of the tmpfs holding the ephemeral
//                                     upper and work dirs (default 1g)
//   run.minirun.network               "bridge" | "none" | an absolute netns path
//   run.minirun.network.bridge        bridge name (default minirun0)
//   run.minirun.network.subnet        bridge subnet (default 10.213.0.0/16)
//   run.minirun.network.mtu           MTU of eth0 (default: the bridge's)
//   run.minirun.network.ports         published ports, comma-separated
//                                     [HOST_IP:]HOST_PORT:PORT[/tcp|/udp]
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ns/net/network.h"

namespace minirun::runtime {

inline constexpr const char* kAnnotationPrefix = "run.minirun.";

struct Extensions {
  bool overlay = false;
  std::vector<std::string> overlay_lower;  // extra layers above root.path
  std::string overlay_upper;               // persistent upper, "" = ephemeral
  std::string overlay_work;
  // The ephemeral upper gets a tmpfs of its own, so a container filling its
  // root gets ENOSPC there instead of filling --root (RAM on most hosts).
  static constexpr int64_t kDefaultOverlaySize = int64_t{1} << 30;
  int64_t overlay_size = kDefaultOverlaySize;
  bool overlay_size_set = false;
  enum class Network { unset, none, bridge, path } network = Network::unset;
  std::string netns_path;
  ns::BridgeConfig bridge;
};

// Errors name the annotation: `annotations["run.minirun.network"]: ...`.
Extensions parse_extensions(const std::map<std::string, std::string>& annotations);

}  // namespace minirun::runtime
