// `spec` (a bundle's config.json, as `runc spec` writes it) and `features`.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "runtime/cli/cli.h"
#include "runtime/extensions.h"
#include "runtime/files.h"

namespace minirun::runtime::cli {

void add_spec(CLI::App& app, Globals&, Action& action) {
  auto* cmd = app.add_subcommand("spec", "create a new specification file (config.json)");
  static std::string bundle, network;
  static std::vector<std::string> publish;
  static bool rootless = false, overlay = false;
  cmd->add_option("-b,--bundle", bundle, "path to the root of the bundle directory");
  cmd->add_flag("--rootless", rootless, "generate a configuration for a rootless container");
  cmd->add_flag("--overlay", overlay, "minirun: the rootfs becomes the read-only lower layer of an overlay");
  cmd->add_option("--network", network, "minirun: bridge or none")->check(CLI::IsMember({"bridge", "none"}));
  cmd->add_option("--publish", publish,
                  "minirun: publish a port of the bridge network, [HOST_IP:]HOST_PORT:PORT[/udp]");
  cmd->callback([&] {
    action = [&] {
      return with_command_context("spec", [&] {
        std::string path = (bundle.empty() ? std::string(".") : bundle) + "/config.json";
        struct stat st;
        if (::stat(path.c_str(), &st) == 0) throw Error("File " + path + " exists. Remove it first");
        std::string text = spec::default_spec_json(rootless);
        if (overlay || !network.empty() || !publish.empty()) {
          auto j = nlohmann::ordered_json::parse(text);
          auto& ann = j["annotations"];
          std::map<std::string, std::string> ours;
          // The overlay's upper layer is there to be written to.
          if (overlay) {
            ours[std::string(kAnnotationPrefix) + "rootfs.overlay"] = "true";
            j["root"]["readonly"] = false;
          }
          if (!network.empty()) ours[std::string(kAnnotationPrefix) + "network"] = network;
          // ICMP echo sockets for every group, as docker and podman set it:
          // ping works without CAP_NET_RAW.
          if (network == "bridge") j["linux"]["sysctl"]["net.ipv4.ping_group_range"] = "0 2147483647";
          std::string ports;
          for (const auto& p : publish) ports += (ports.empty() ? "" : ",") + p;
          if (!ports.empty()) ours[std::string(kAnnotationPrefix) + "network.ports"] = ports;
          parse_extensions(ours);  // the same errors as at create, naming the annotation
          for (const auto& [k, v] : ours) ann[k] = v;
          text = j.dump(1, '\t');
        }
        write_file(path, text, O_EXCL, 0666);
        return 0;
      });
    };
  });
}

void add_features(CLI::App& app, Globals&, Action& action) {
  app.add_subcommand("features", "show the enabled features")->callback([&] {
    action = [] {
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
    };
  });
}

}  // namespace minirun::runtime::cli
