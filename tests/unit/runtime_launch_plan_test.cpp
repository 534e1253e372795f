// plan_launch(): the decisions of a create, for root, rootless, user
// namespaces, systemd, overlays and networks, with no syscall and no root.
#include "runtime/launch_plan.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <string>

#include "spec/error.h"

namespace minirun::runtime {
namespace {

// With a user namespace, the mappings the spec loader insists on.
spec::Spec make_spec(const std::string& namespaces, const std::string& annotations = "") {
  const std::string maps = namespaces.find("\"user\"") == std::string::npos
                               ? ""
                               : R"(, "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                                    "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}])";
  return spec::parse_spec(R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
    "process": {"args": ["sh"], "cwd": "/", "terminal": false},
    "linux": {"namespaces": [)" + namespaces + "]" + maps + R"(}, "annotations": {)" +
                          annotations + "}}");
}

struct Planner {
  explicit Planner(spec::Spec s) : sp(std::move(s)) {}
  spec::Spec sp;
  CreateOptions opts;
  Host host{0, [] { return true; }};
  StateStore store{"/run/pl"};
  LaunchPlan operator()() {
    opts.id = "pl1";
    return plan_launch(sp, parse_extensions(sp.annotations), opts, host, store, "/b", "/b/rootfs");
  }
};

const std::string kRootNs = R"({"type": "pid"}, {"type": "mount"}, {"type": "network"}, {"type": "uts"})";
const std::string kUserNs = kRootNs + R"(, {"type": "user"})";

TEST(LaunchPlan, RootCloneAndUnsharesTheNetworkWhileTheCgroupIsMade) {
  Planner p(make_spec(kRootNs));
  LaunchPlan plan = p();
  EXPECT_EQ(plan.ns.clone_flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS);
  EXPECT_TRUE(plan.ns.unshare_net);
  EXPECT_FALSE(plan.ns.report_netns) << "no network for the parent to set up";
  EXPECT_TRUE(plan.cgroup_after_clone);
  EXPECT_FALSE(plan.rootless);
  EXPECT_FALSE(plan.dumpable_until_go);
  EXPECT_TRUE(plan.setgroups_allowed);
  EXPECT_FALSE(plan.open_bind_sources);
  EXPECT_FALSE(plan.rootfs.in_user_namespace);
  EXPECT_EQ(plan.rootfs.rootfs, "/b/rootfs");
  EXPECT_EQ(plan.rootfs.bundle, "/b");
  EXPECT_FALSE(plan.overlay);
}

TEST(LaunchPlan, RootWithAUserNamespaceMakesTheCgroupFirst) {
  Planner p(make_spec(kUserNs));
  LaunchPlan plan = p();
  EXPECT_TRUE(plan.ns.new_user);
  EXPECT_TRUE(plan.ns.clone_flags & CLONE_NEWUSER);
  EXPECT_TRUE(plan.ns.clone_flags & CLONE_NEWNET) << "a clone flag when the cgroup comes first";
  EXPECT_FALSE(plan.ns.unshare_net);
  EXPECT_FALSE(plan.cgroup_after_clone);
  EXPECT_TRUE(plan.open_bind_sources) << "host root opens what the mapped root may not reach";
  EXPECT_TRUE(plan.rootfs.in_user_namespace);
  EXPECT_TRUE(plan.setgroups_allowed);
  EXPECT_FALSE(plan.dumpable_until_go);
}

TEST(LaunchPlan, RootlessDeniesSetgroupsAndStaysDumpableUntilGoOnlyWithAUserNamespace) {
  Planner p(make_spec(kUserNs));
  p.host.euid = 1000;
  LaunchPlan plan = p();
  EXPECT_TRUE(plan.rootless);
  EXPECT_FALSE(plan.cgroup_after_clone);
  EXPECT_FALSE(plan.setgroups_allowed);
  EXPECT_TRUE(plan.dumpable_until_go);
  EXPECT_FALSE(plan.open_bind_sources);
  p.sp = make_spec(kRootNs);
  plan = p();
  EXPECT_FALSE(plan.cgroup_after_clone) << "rootless: the cgroup decides how the init is placed";
  EXPECT_TRUE(plan.setgroups_allowed) << "no new user namespace: nothing to deny";
  EXPECT_FALSE(plan.dumpable_until_go);
}

TEST(LaunchPlan, SystemdNeedsRootWithoutAUserNamespace) {
  Planner p(make_spec(kRootNs));
  p.opts.systemd_cgroup = true;
  EXPECT_TRUE(p().systemd_cgroup);
  p.sp = make_spec(kUserNs);
  try {
    p();
    FAIL() << "planned systemd with a user namespace";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "--systemd-cgroup: not supported for a rootless container or one with a new user namespace");
  }
  p.sp = make_spec(kRootNs);
  p.host.euid = 1000;
  EXPECT_THROW(p(), Error);
}

TEST(LaunchPlan, JoinedNamespacesKeepConfigOrderAndTheirPaths) {
  Planner p(make_spec(R"({"type": "ipc", "path": "/proc/1/ns/ipc"}, {"type": "mount"},
                         {"type": "pid", "path": "/proc/1/ns/pid"}, {"type": "cgroup"}, {"type": "time"})"));
  LaunchPlan plan = p();
  ASSERT_EQ(plan.ns.joins.size(), 2u);
  EXPECT_EQ(plan.ns.joins[0].type, spec::NamespaceType::ipc);
  EXPECT_EQ(plan.ns.joins[0].path, "/proc/1/ns/ipc");
  EXPECT_EQ(plan.ns.joins[1].type, spec::NamespaceType::pid);
  EXPECT_EQ(plan.ns.clone_flags, CLONE_NEWNS) << "cgroup and time are unshared by the init";
  EXPECT_TRUE(plan.ns.new_cgroup);
  EXPECT_TRUE(plan.ns.new_time);
  EXPECT_TRUE(plan.rootfs.new_cgroup_namespace);
  EXPECT_FALSE(plan.ns.unshare_net);
}

TEST(LaunchPlan, BridgeIsReportedAndItsLeasePlanned) {
  Planner p(make_spec(R"({"type": "mount"})", R"("run.minirun.network": "bridge")"));
  LaunchPlan plan = p();
  EXPECT_EQ(plan.network, Extensions::Network::bridge);
  EXPECT_TRUE(plan.ns.unshare_net) << "a network namespace without one in linux.namespaces";
  EXPECT_TRUE(plan.ns.report_netns);
  ASSERT_TRUE(plan.planned_lease);
  EXPECT_EQ(plan.planned_lease->container_id, "pl1");
  EXPECT_EQ(plan.planned_lease->bridge, "minirun0");
  EXPECT_TRUE(plan.planned_lease->address.empty());
  p.host.euid = 1000;
  plan = p();
  EXPECT_TRUE(plan.ns.clone_flags & CLONE_NEWNET) << "rootless: no unshare, so nothing to report";
  EXPECT_FALSE(plan.ns.report_netns);
}

TEST(LaunchPlan, NetnsPathReplacesTheConfigsNetworkNamespace) {
  Planner p(make_spec(kRootNs, R"("run.minirun.network": "/run/netns/pl")"));
  LaunchPlan plan = p();
  ASSERT_EQ(plan.ns.joins.size(), 1u);
  EXPECT_EQ(plan.ns.joins[0].type, spec::NamespaceType::network);
  EXPECT_EQ(plan.ns.joins[0].path, "/run/netns/pl");
  EXPECT_FALSE(plan.ns.clone_flags & CLONE_NEWNET);
  EXPECT_FALSE(plan.ns.unshare_net);
  EXPECT_FALSE(plan.planned_lease);
}

TEST(LaunchPlan, EphemeralOverlayOnATmpfsAsRootAPlainDirRootless) {
  Planner p(make_spec(kRootNs, R"("run.minirun.rootfs.overlay": "true", "run.minirun.rootfs.overlay.lower": "/l1",
                                  "run.minirun.rootfs.overlay.size": "64m")"));
  LaunchPlan plan = p();
  ASSERT_TRUE(plan.overlay);
  const OverlayPlan& ov = *plan.overlay;
  EXPECT_EQ(ov.layout.lower, (std::vector<std::string>{"/l1", "/b/rootfs"}));
  EXPECT_EQ(ov.ephemeral_dir, "/run/pl/pl1/overlay");
  EXPECT_EQ(ov.layout.upper, "/run/pl/pl1/overlay/upper");
  EXPECT_EQ(ov.layout.work, "/run/pl/pl1/overlay/work");
  EXPECT_EQ(ov.layout.target, "/run/pl/pl1/merged");
  EXPECT_TRUE(ov.ephemeral_tmpfs);
  EXPECT_EQ(ov.tmpfs_size, 64 << 20);
  EXPECT_FALSE(ov.persistent_upper);
  EXPECT_FALSE(plan.rootfs.overlay) << "set once the dirs exist";
  p.host.euid = 1000;
  EXPECT_FALSE(p().overlay->ephemeral_tmpfs);
}

TEST(LaunchPlan, PersistentUpperHasItsWorkDirNextToIt) {
  Planner p(make_spec(kRootNs, R"("run.minirun.rootfs.overlay": "true", "run.minirun.rootfs.overlay.upper": "/up")"));
  const OverlayPlan ov = *p().overlay;
  EXPECT_TRUE(ov.persistent_upper);
  EXPECT_TRUE(ov.ephemeral_dir.empty());
  EXPECT_FALSE(ov.ephemeral_tmpfs);
  EXPECT_EQ(ov.layout.upper, "/up");
  EXPECT_EQ(ov.layout.work, "/up/../work");
  p.sp = make_spec(kRootNs, R"("run.minirun.rootfs.overlay": "true", "run.minirun.rootfs.overlay.upper": "/up",
                               "run.minirun.rootfs.overlay.work": "/w")");
  EXPECT_EQ(p().overlay->layout.work, "/w");
}

TEST(LaunchPlan, TerminalNeedsAConsoleOrAForegroundTty) {
  Planner p(make_spec(kRootNs));
  p.sp.process->terminal = true;
  int asked = 0;
  p.host.stdin_is_tty = [&] { return ++asked, false; };
  EXPECT_THROW(p(), Error) << "detached without --console-socket";
  p.opts.foreground = true;
  try {
    p();
    FAIL() << "a foreground terminal on a stdin that is no tty";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stdin is not a terminal"), std::string::npos) << e.what();
  }
  EXPECT_EQ(asked, 1);
  p.host.stdin_is_tty = [&] { return ++asked, true; };
  EXPECT_NO_THROW(p());
  p.opts.console_socket = "/run/pl.sock";
  p.opts.foreground = false;
  asked = 0;
  EXPECT_NO_THROW(p());
  EXPECT_EQ(asked, 0) << "isatty only when it decides something";
  p.sp.process->terminal = false;
  EXPECT_THROW(p(), Error) << "--console-socket without a terminal";
}

TEST(LaunchPlan, RootfsOptionsComeFromTheSpecAndTheFlags) {
  Planner p(make_spec(kRootNs));
  p.sp.root.readonly = true;
  p.opts.no_pivot = true;
  LaunchPlan plan = p();
  EXPECT_TRUE(plan.rootfs.readonly);
  EXPECT_TRUE(plan.rootfs.no_pivot);
}

}  // namespace
}  // namespace minirun::runtime
