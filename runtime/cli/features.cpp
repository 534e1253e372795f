// `features`: what this build supports, as runc's JSON.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

CLI::App* FeaturesFlags::declare(CLI::App& app) {
  return app.add_subcommand("features", "show the enabled features");
}

int features_command(const Globals&, FeaturesFlags&) {
  nlohmann::ordered_json caps = nlohmann::ordered_json::array();
  for (const auto& c : spec::known_capabilities()) caps.push_back(c);
  nlohmann::ordered_json f = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.2.0"},
      {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
      {"mountOptions",
       {"async",      "atime",         "bind",        "defaults", "dev",        "diratime",    "dirsync",
        "exec",       "mand",          "noatime",     "nodev",    "nodiratime", "noexec",      "nomand",
        "norelatime", "nostrictatime", "nosuid",      "private",  "rbind",      "relatime",    "remount",
        "ro",         "rprivate",      "rro",         "rshared",  "rslave",     "runbindable", "rw",
        "shared",     "slave",         "strictatime", "suid",     "sync",       "tmpcopyup",   "unbindable"}},
      {"linux",
       {{"namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}},
        {"capabilities", caps},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", true}, {"systemdUser", false}, {"rdma", true}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
            "SCMP_CMP_NE"}},
          {"archs", {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}},
          {"knownFlags",
           {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
          {"supportedFlags",
           {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}},
        {"intelRdt", {{"enabled", false}}},
        {"mountExtensions", {{"idmap", {{"enabled", false}}}}}}},
      // Sorted, as Go prints a map.
      {"annotations",
       {{"io.github.minirun.version", MINIRUN_VERSION},
        {"run.minirun.network", "\"bridge\", \"none\" or a netns path"},
        {"run.minirun.network.ports", "published ports: \"[HOST_IP:]HOST_PORT:PORT[/tcp|/udp],...\""},
        {"run.minirun.rootfs.overlay", "overlayfs rootfs: \"true\""}}}};
  std::puts(f.dump(4).c_str());
  return 0;
}

}  // namespace minirun::runtime::cli
