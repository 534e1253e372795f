// Good configs: every field lands in the struct it names.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"

namespace {

using nlohmann::json;
using namespace minirun::spec;

// What podman 4 writes (trimmed): absolute cgroupsPath, numeric umask,
// tmpcopyup, a joined netns, and a seccomp profile with defaultErrnoRet.
const char* const kPodmanConfig = R"({
  "ociVersion": "1.0.0",
  "process": {
    "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [1000, 10]},
    "args": ["/bin/sh", "-c", "echo hi"],
    "env": ["PATH=/usr/bin:/bin", "TERM=xterm", "container=podman", "HOME=/root"],
    "cwd": "/work",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_CHROOT"],
      "effective": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_CHROOT"],
      "permitted": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_CHROOT"]
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576},
      {"type": "RLIMIT_NPROC", "hard": 4194304, "soft": 4194304}
    ],
    "oomScoreAdj": 0,
    "selinuxLabel": ""
  },
  "root": {"path": "/var/lib/containers/storage/overlay/abc/merged"},
  "hostname": "3f2a1b",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/run", "type": "tmpfs", "source": "tmpfs",
     "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]},
    {"destination": "/etc/hosts", "type": "bind",
     "source": "/run/containers/storage/overlay-containers/abc/userdata/hosts",
     "options": ["bind", "rprivate"]}
  ],
  "annotations": {"io.container.manager": "libpod", "org.opencontainers.image.stopSignal": "15"},
  "linux": {
    "sysctl": {"net.ipv4.ping_group_range": "0 0"},
    "resources": {
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}],
      "pids": {"limit": 2048}
    },
    "cgroupsPath": "/libpod_parent/libpod-3f2a1b",
    "namespaces": [
      {"type": "pid"},
      {"type": "network", "path": "/run/netns/netns-1234"},
      {"type": "ipc"},
      {"type": "uts"},
      {"type": "mount"},
      {"type": "cgroup"}
    ],
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["bdflush"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
      ]
    },
    "maskedPaths": ["/proc/acpi", "/proc/kcore"],
    "readonlyPaths": ["/proc/sys"]
  }
})";

TEST(SpecParse, PodmanLikeConfig) {
  Spec spec = parse_spec(kPodmanConfig);
  EXPECT_EQ(spec.oci_version, "1.0.0");
  ASSERT_TRUE(spec.process);
  const Process& p = *spec.process;
  EXPECT_EQ(p.user.uid, 1000u);
  ASSERT_TRUE(p.user.umask);
  EXPECT_EQ(*p.user.umask, 022u);
  EXPECT_EQ(p.user.additional_gids, (std::vector<uint32_t>{1000, 10}));
  EXPECT_EQ(p.args.size(), 3u);
  EXPECT_EQ(p.cwd, "/work");
  EXPECT_FALSE(p.terminal);
  ASSERT_TRUE(p.capabilities);
  EXPECT_EQ(p.capabilities->bounding.size(), 3u);
  EXPECT_TRUE(p.capabilities->ambient.empty());
  ASSERT_EQ(p.rlimits.size(), 2u);
  EXPECT_EQ(p.rlimits[1].resource, RLIMIT_NPROC);
  EXPECT_EQ(p.rlimits[0].soft, 1048576u);
  ASSERT_TRUE(p.oom_score_adj);
  EXPECT_EQ(*p.oom_score_adj, 0);
  EXPECT_EQ(spec.root.path, "/var/lib/containers/storage/overlay/abc/merged");
  EXPECT_FALSE(spec.root.readonly);
  ASSERT_EQ(spec.mounts.size(), 4u);
  EXPECT_EQ(spec.mounts[2].options.back(), "tmpcopyup");
  EXPECT_EQ(spec.annotations.at("io.container.manager"), "libpod");
  EXPECT_EQ(spec.linux.cgroups_path, "/libpod_parent/libpod-3f2a1b");
  EXPECT_EQ(spec.linux.sysctl.at("net.ipv4.ping_group_range"), "0 0");
  const Namespace* net = spec.linux.find_namespace(NamespaceType::network);
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(net->path, "/run/netns/netns-1234");
  EXPECT_TRUE(spec.linux.has_namespace(NamespaceType::cgroup));
  EXPECT_FALSE(spec.linux.has_namespace(NamespaceType::user));
  ASSERT_TRUE(spec.linux.resources);
  const Resources& r = *spec.linux.resources;
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_FALSE(r.devices[0].allow);
  EXPECT_EQ(r.devices[0].type, "a");
  EXPECT_FALSE(r.devices[0].major);
  EXPECT_EQ(r.devices[1].major, 1);
  EXPECT_EQ(r.devices[1].minor, 3);
  ASSERT_TRUE(r.pids);
  EXPECT_EQ(r.pids->limit, 2048);
  ASSERT_TRUE(spec.linux.seccomp);
  const Seccomp& s = *spec.linux.seccomp;
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  ASSERT_TRUE(s.default_errno_ret);
  EXPECT_EQ(*s.default_errno_ret, 38u);
  EXPECT_EQ(s.architectures.size(), 3u);
  ASSERT_EQ(s.syscalls.size(), 3u);
  EXPECT_EQ(s.syscalls[1].args[0].op, "SCMP_CMP_EQ");
  EXPECT_EQ(s.syscalls[2].errno_ret, 1u);
}

// Every field of the structs, set to a value that is not its default.
const char* const kEveryField = R"({
  "ociVersion": "1.2.0",
  "process": {
    "terminal": true, "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1, "gid": 2, "umask": 63, "additionalGids": [3], "username": "u"},
    "args": ["a"], "commandLine": "a b", "env": ["A=1", "B="], "cwd": "/c",
    "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_KILL"], "inheritable": ["CAP_BPF"],
                     "permitted": ["CAP_PERFMON"], "ambient": ["CAP_CHECKPOINT_RESTORE"]},
    "rlimits": [{"type": "RLIMIT_CORE", "soft": 1, "hard": 2}],
    "noNewPrivileges": true, "oomScoreAdj": -500, "apparmorProfile": "ap", "selinuxLabel": "sl",
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": -3, "flags": ["SCHED_FLAG_RECLAIM"],
                  "runtime": 10, "deadline": 20, "period": 30},
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
    "execCPUAffinity": {"initial": "0-3,7", "final": "1"}
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "h", "domainname": "d",
  "mounts": [{"destination": "/m", "type": "bind", "source": "/s", "options": ["rbind"]}],
  "hooks": {
    "prestart": [{"path": "/p", "args": ["p", "1"], "env": ["X=1"], "timeout": 5}],
    "createRuntime": [{"path": "/cr"}], "createContainer": [{"path": "/cc"}],
    "startContainer": [{"path": "/sc"}], "poststart": [{"path": "/ps"}], "poststop": [{"path": "/pst"}]
  },
  "annotations": {"k": "v"},
  "linux": {
    "namespaces": [{"type": "user"}, {"type": "time"}, {"type": "uts"}, {"type": "mount"}, {"type": "ipc"}],
    "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
    "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}],
    "devices": [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 5},
                {"type": "p", "path": "/dev/fifo"}],
    "resources": {
      "devices": [{"allow": true, "type": "b", "major": 8, "minor": -1, "access": "rw"}],
      "memory": {"limit": 1000000, "reservation": 500000, "swap": 2000000, "kernel": -1, "kernelTCP": 100,
                 "swappiness": 60, "disableOOMKiller": true, "useHierarchy": false, "checkBeforeUpdate": true},
      "cpu": {"shares": 512, "quota": 50000, "burst": 1000, "period": 100000, "realtimeRuntime": 950,
              "realtimePeriod": 1000, "cpus": "0-1", "mems": "0", "idle": 1},
      "pids": {"limit": -1},
      "blockIO": {"weight": 500, "leafWeight": 300,
                  "weightDevice": [{"major": 8, "minor": 0, "weight": 200, "leafWeight": 100}],
                  "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                  "throttleWriteBpsDevice": [{"major": 8, "minor": 1, "rate": 2}],
                  "throttleReadIOPSDevice": [{"major": 8, "minor": 2, "rate": 3}],
                  "throttleWriteIOPSDevice": [{"major": 8, "minor": 3, "rate": 4}]},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
      "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]},
      "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
      "unified": {"memory.high": "900000"}
    },
    "cgroupsPath": "nested/c1",
    "sysctl": {"kernel.shmmax": "1024", "fs/mqueue/msg_max": "20"},
    "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                "listenerPath": "/run/l.sock", "listenerMetadata": "meta",
                "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY",
                              "args": [{"index": 1, "value": 2, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]}]},
    "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
    "rootfsPropagation": "rslave", "mountLabel": "ml",
    "timeOffsets": {"monotonic": {"secs": -7, "nanosecs": 9}, "boottime": {"secs": 100}},
    "personality": {"domain": "LINUX32", "flags": ["x"]},
    "intelRdt": {"closID": "ignored, like every unknown field"}
  },
  "unknownTopLevel": {"also": "ignored"}
})";

TEST(SpecParse, EveryField) {
  Spec spec = parse_spec(kEveryField);
  const Process& p = spec.process.value();
  EXPECT_EQ(p.console_size.value().width, 80u);
  EXPECT_EQ(p.user.username, "u");
  EXPECT_EQ(p.command_line.value(), "a b");
  EXPECT_EQ(p.capabilities->ambient.at(0), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(p.rlimits.at(0).resource, RLIMIT_CORE);
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.oom_score_adj.value(), -500);
  EXPECT_EQ(p.apparmor_profile, "ap");
  EXPECT_EQ(p.selinux_label, "sl");
  EXPECT_EQ(p.scheduler->period, 30u);
  EXPECT_EQ(p.scheduler->nice, -3);
  EXPECT_EQ(p.io_priority->priority, 4);
  EXPECT_EQ(p.exec_cpu_affinity->initial, "0-3,7");
  EXPECT_EQ(spec.domainname, "d");
  EXPECT_EQ(spec.hooks.prestart.at(0).timeout.value(), 5);
  EXPECT_EQ(spec.hooks.prestart.at(0).args.at(1), "1");
  EXPECT_EQ(spec.hooks.poststop.at(0).path, "/pst");
  EXPECT_EQ(spec.hooks.start_container.at(0).path, "/sc");
  const Linux& l = spec.linux;
  EXPECT_EQ(l.gid_mappings.at(0).host_id, 200000u);
  EXPECT_EQ(l.devices.at(0).file_mode.value(), 0666u);
  EXPECT_EQ(l.devices.at(0).gid.value(), 5u);
  EXPECT_EQ(l.devices.at(1).major, 0);
  const Resources& r = l.resources.value();
  EXPECT_EQ(r.devices.at(0).major.value(), 8);
  EXPECT_FALSE(r.devices.at(0).minor) << "-1 is the wildcard";
  EXPECT_EQ(r.memory->kernel.value(), -1);
  EXPECT_TRUE(r.memory->check_before_update.value());
  EXPECT_EQ(r.cpu->realtime_period.value(), 1000u);
  EXPECT_EQ(r.cpu->idle.value(), 1);
  EXPECT_EQ(r.pids->limit, -1);
  EXPECT_EQ(r.block_io->weight_device.at(0).leaf_weight.value(), 100);
  EXPECT_EQ(r.block_io->throttle_write_iops.at(0).rate, 4u);
  EXPECT_EQ(r.hugepage_limits.at(0).page_size, "2MB");
  EXPECT_EQ(r.network->priorities.at(0).priority, 5u);
  EXPECT_EQ(r.rdma.at("mlx5_1").hca_objects.value(), 10000u);
  EXPECT_EQ(r.unified.at("memory.high"), "900000");
  EXPECT_EQ(l.sysctl.size(), 2u);
  EXPECT_EQ(l.seccomp->listener_metadata, "meta");
  EXPECT_EQ(l.seccomp->syscalls.at(0).args.at(0).value_two, 3u);
  EXPECT_EQ(l.rootfs_propagation, "rslave");
  EXPECT_EQ(l.mount_label, "ml");
  EXPECT_EQ(l.time_offsets.at("monotonic").secs, -7);
  EXPECT_EQ(l.time_offsets.at("boottime").nanosecs, 0u);
  EXPECT_EQ(l.personality->domain, "LINUX32");
}

TEST(SpecParse, NullReadsAsAbsentLikeGo) {
  json j = json::parse(default_spec_json(false));
  j["hostname"] = nullptr;
  j["process"]["rlimits"] = nullptr;
  j["linux"]["resources"] = nullptr;
  Spec spec = parse_spec(j.dump());
  EXPECT_EQ(spec.hostname, "");
  EXPECT_TRUE(spec.process->rlimits.empty());
  EXPECT_FALSE(spec.linux.resources);
}

TEST(SpecParse, ProcessIsOptional) {
  json j = json::parse(default_spec_json(false));
  j.erase("process");
  EXPECT_FALSE(parse_spec(j.dump()).process);
}

TEST(SpecParse, UserNamespaceByPathNeedsNoMappings) {
  json j = json::parse(default_spec_json(false));
  j["linux"]["namespaces"].push_back({{"type", "user"}, {"path", "/proc/42/ns/user"}});
  EXPECT_EQ(parse_spec(j.dump()).linux.find_namespace(NamespaceType::user)->path, "/proc/42/ns/user");
}

TEST(SpecParse, ExecProcessFile) {
  Process p = parse_process(R"({"args": ["ps"], "cwd": "/", "env": ["A=b"], "user": {"uid": 5}})", "process.json");
  EXPECT_EQ(p.args.at(0), "ps");
  EXPECT_EQ(p.user.uid, 5u);
  try {
    parse_process(R"({"args": [], "cwd": "/"})", "process.json");
    FAIL();
  } catch (const minirun::Error& e) {
    EXPECT_STREQ(e.what(), "process.json: args: must not be empty");
  }
}

TEST(SpecParse, UpdateResourcesFile) {
  Resources r = parse_resources(R"({"memory": {"limit": 1048576}, "pids": {"limit": 10}})", "resources.json");
  EXPECT_EQ(r.memory->limit.value(), 1048576);
  EXPECT_EQ(r.pids->limit, 10);
  try {
    parse_resources(R"({"memory": {"swappiness": 200}})", "resources.json");
    FAIL();
  } catch (const minirun::Error& e) {
    EXPECT_STREQ(e.what(), "resources.json: memory.swappiness: must be between 0 and 100, got 200");
  }
}

TEST(SpecParse, ValidateProcessBuiltInCode) {
  Process p;
  p.args = {"sh"};
  EXPECT_NO_THROW(validate_process(p, "process"));
  EXPECT_EQ(p.cwd, "/");
  p.capabilities = Capabilities{};
  p.capabilities->effective = {"CAP_NOPE"};
  try {
    validate_process(p, "process");
    FAIL();
  } catch (const minirun::Error& e) {
    EXPECT_STREQ(e.what(), "process.capabilities.effective[0]: unknown capability \"CAP_NOPE\"");
  }
}

class BundleDir : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/spec_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::unlink((dir_ + "/config.json").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(BundleDir, LoadsConfigJson) {
  std::ofstream(dir_ + "/config.json") << default_spec_json(false);
  Spec spec = load_spec(dir_);
  EXPECT_EQ(spec.hostname, "runc");
}

TEST_F(BundleDir, MissingConfigNamesThePath) {
  try {
    load_spec(dir_);
    FAIL();
  } catch (const minirun::Error& e) {
    EXPECT_EQ(std::string(e.what()), "open " + dir_ + "/config.json: No such file or directory");
    EXPECT_EQ(e.error_number(), ENOENT);
  }
}

TEST(SpecNames, Namespaces) {
  EXPECT_STREQ(namespace_type_name(NamespaceType::network), "network");
  EXPECT_STREQ(namespace_type_name(NamespaceType::time), "time");
}

TEST(SpecNames, Capabilities) {
  std::vector<std::string> caps = known_capabilities();
  ASSERT_EQ(caps.size(), 41u);
  EXPECT_EQ(caps.front(), "CAP_CHOWN");
  EXPECT_EQ(caps[21], "CAP_SYS_ADMIN");
  EXPECT_EQ(caps.back(), "CAP_CHECKPOINT_RESTORE");
  EXPECT_TRUE(is_known_capability("CAP_NET_ADMIN"));
  EXPECT_FALSE(is_known_capability("cap_net_admin"));
  EXPECT_FALSE(is_known_capability("NET_ADMIN"));
}

}  // namespace
