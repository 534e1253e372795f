// The decisions of a create, made before anything exists: which namespaces
// are new and which are joined by path, the rootfs options and overlay
// layout, how and when the cgroup is made, the network, and the init's
// dumpable and setgroups settings.  plan_launch() makes no syscall: what it
// needs from the machine comes in a Host, so the unit tests cover rootless,
// user namespace, systemd, overlay and bridge combinations without root.
// launcher.cpp then acts on the plan.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ns/ns.h"
#include "rootfs/rootfs.h"
#include "runtime/extensions.h"
#include "runtime/launcher.h"
#include "runtime/state.h"
#include "spec/spec.h"

namespace minirun::runtime {

// What the planner asks of the machine.
struct Host {
  uid_t euid = 0;
  // Asked only when the answer matters (a foreground terminal without
  // --console-socket): a create without a terminal makes no isatty call.
  std::function<bool()> stdin_is_tty;
};

// A namespace given by path in the config (or run.minirun.network's netns),
// in the order it is opened.
struct NamespaceByPath {
  spec::NamespaceType type;
  std::string path;
};

struct NamespacePlan {
  int clone_flags = 0;                 // CLONE_NEW* for clone()
  bool new_user = false;               // CLONE_NEWUSER is among them: the parent writes the id maps
  bool new_cgroup = false;             // unshared by the init once in its cgroup
  bool new_time = false;               // unshared by the init, offsets first
  std::vector<NamespaceByPath> joins;  // pid among them: entered around clone(), not by the init
  // The init unshares the network namespace itself, in parallel with the
  // parent's cgroup work (then CLONE_NEWNET is not in clone_flags), and
  // with report_netns tells the parent, which sets it up (bridge / none).
  bool unshare_net = false;
  bool report_netns = false;
};

// An overlay rootfs: the layout the init mounts, and the dirs to make first.
struct OverlayPlan {
  rootfs::Overlay layout;
  // The state dir's tmpfs (as root; a plain dir rootless) holding an
  // ephemeral upper and work dir; "" with a persistent upper.
  std::string ephemeral_dir;
  bool ephemeral_tmpfs = false;
  int64_t tmpfs_size = 0;  // run.minirun.rootfs.overlay.size
  bool persistent_upper = false;
};

struct LaunchPlan {
  NamespacePlan ns;
  rootfs::Options rootfs;  // overlay unset here: it is set from `overlay` once its dirs exist
  std::optional<OverlayPlan> overlay;
  // As root (no new user namespace) the cgroup is made after the clone,
  // overlapping the init's network namespace; rootless, before it, since
  // whether there is one decides how the init is placed.
  bool systemd_cgroup = false;
  bool cgroup_after_clone = false;
  bool rootless = false;  // euid != 0: a cgroup we may not write means none, unless limits ask for one
  Extensions::Network network = Extensions::Network::unset;
  std::optional<ns::Lease> planned_lease;  // bridge: recorded before the setup starts
  // Bind sources are opened by the runtime, as host root, when the init
  // will be in a user namespace that may not reach them.
  bool open_bind_sources = false;
  bool setgroups_allowed = true;
  // Rootless with a new user namespace: the parent writes the init's id
  // maps, so it is born dumpable and clears the flag on "go".
  bool dumpable_until_go = false;
};

// Throws the create's errors that follow from the options and the config
// (a terminal without a console, --systemd-cgroup rootless).  bundle and
// rootfs_path are absolute.
LaunchPlan plan_launch(const spec::Spec& sp, const Extensions& x, const CreateOptions& opts, const Host& host,
                       const StateStore& store, const std::string& bundle, const std::string& rootfs_path);

}  // namespace minirun::runtime
