#include "runtime/launch_plan.h"

#include <sched.h>

#include "runtime/defaults.h"
#include "spec/error.h"

namespace minirun::runtime {

using spec::NamespaceType;

namespace {

void check_terminal(const spec::Process& p, const CreateOptions& opts, const Host& host) {
  if (!opts.console_socket.empty() && !p.terminal) throw Error("--console-socket given but process.terminal is false");
  if (p.terminal && opts.console_socket.empty() && !opts.foreground)
    throw Error("cannot allocate tty if minirun will detach without setting console socket");
  // The pty would be relayed from a stdin that never types (</dev/null, cron,
  // CI): the container's shell waits for its terminal forever.  runc fails
  // only without a controlling terminal (open /dev/tty); this also covers
  // `script` and ssh without -t.
  if (p.terminal && opts.console_socket.empty() && opts.foreground && !host.stdin_is_tty())
    throw Error(
        "process.terminal is true but stdin is not a terminal: set \"terminal\": false in config.json, "
        "or use -d with --console-socket");
}

NamespacePlan plan_namespaces(const spec::Spec& sp, const Extensions& x) {
  NamespacePlan plan;
  for (const auto& n : sp.linux.namespaces) {
    if (x.network == Extensions::Network::path && n.type == NamespaceType::network) continue;
    if (!n.path.empty()) {
      plan.joins.push_back({n.type, n.path});
      continue;
    }
    switch (n.type) {
      case NamespaceType::cgroup:
        plan.new_cgroup = true;
        break;  // after joining the cgroup
      case NamespaceType::time:
        plan.new_time = true;
        break;  // the init unshares it, offsets first
      default:
        plan.clone_flags |= ns::clone_flag(n.type);
    }
    if (n.type == NamespaceType::user) plan.new_user = true;
  }
  if (x.network == Extensions::Network::path) {
    plan.joins.push_back({NamespaceType::network, x.netns_path});
  } else if (x.network != Extensions::Network::unset) {
    plan.clone_flags |= CLONE_NEWNET;
  }
  return plan;
}

// The ephemeral upper and work dirs live on a tmpfs of the state dir's
// (as root), a persistent upper where the annotation says.
OverlayPlan plan_overlay(const Extensions& x, const Host& host, const StateStore& store, const std::string& id,
                         const std::string& rootfs_path) {
  OverlayPlan p;
  rootfs::Overlay& ov = p.layout;
  ov.lower = x.overlay_lower;
  ov.lower.push_back(rootfs_path);
  p.persistent_upper = !x.overlay_upper.empty();
  if (!p.persistent_upper) {
    p.ephemeral_dir = store.overlay_fs_path(id);
    p.ephemeral_tmpfs = host.euid == 0;
    p.tmpfs_size = x.overlay_size;
  }
  ov.upper = p.persistent_upper ? x.overlay_upper : p.ephemeral_dir + "/upper";
  ov.work = !x.overlay_work.empty() ? x.overlay_work
            : !p.persistent_upper   ? p.ephemeral_dir + "/work"
                                    : x.overlay_upper + "/../work";
  ov.target = store.dir(id) + "/merged";
  return p;
}

}  // namespace

LaunchPlan plan_launch(const spec::Spec& sp, const Extensions& x, const CreateOptions& opts, const Host& host,
                       const StateStore& store, const std::string& bundle, const std::string& rootfs_path) {
  check_terminal(*sp.process, opts, host);
  LaunchPlan plan;
  plan.ns = plan_namespaces(sp, x);
  plan.rootless = host.euid != 0;
  plan.cgroup_after_clone = !plan.rootless && !plan.ns.new_user;
  plan.systemd_cgroup = opts.systemd_cgroup;
  if (plan.systemd_cgroup && !plan.cgroup_after_clone)
    throw Error("--systemd-cgroup: not supported for a rootless container or one with a new user namespace");
  plan.network = x.network;
  if (x.network == Extensions::Network::bridge) plan.planned_lease = ns::planned_lease(opts.id, x.bridge);
  // The init unshares the network namespace itself, in parallel with the cgroup work.
  plan.ns.unshare_net = plan.cgroup_after_clone && (plan.ns.clone_flags & CLONE_NEWNET);
  if (plan.ns.unshare_net) plan.ns.clone_flags &= ~CLONE_NEWNET;
  plan.ns.report_netns = plan.ns.unshare_net && x.network != Extensions::Network::unset;

  plan.rootfs = rootfs_options(sp, bundle, rootfs_path);
  plan.rootfs.no_pivot = opts.no_pivot;
  plan.rootfs.in_user_namespace = plan.ns.new_user || sp.linux.find_namespace(NamespaceType::user);
  plan.rootfs.new_cgroup_namespace = plan.ns.new_cgroup;
  if (x.overlay) plan.overlay = plan_overlay(x, host, store, opts.id, rootfs_path);
  // Opened while we are host root: the init, in its user namespace, may not
  // be able to walk to them.
  plan.open_bind_sources = plan.rootfs.in_user_namespace && !plan.rootless;
  plan.setgroups_allowed = !plan.rootless || !plan.ns.new_user;
  plan.dumpable_until_go = plan.ns.new_user && plan.rootless;
  return plan;
}

}  // namespace minirun::runtime
