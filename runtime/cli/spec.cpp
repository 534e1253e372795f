// `spec`: a bundle's config.json, as `runc spec` writes it.
#include <fcntl.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "runtime/cli/cli.h"
#include "runtime/extensions.h"
#include "runtime/files.h"

namespace minirun::runtime::cli {

CLI::App* SpecFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("spec", "create a new specification file (config.json)");
  cmd->add_option("-b,--bundle", bundle, "path to the root of the bundle directory");
  cmd->add_flag("--rootless", rootless, "generate a configuration for a rootless container");
  cmd->add_flag("--overlay", overlay, "minirun: the rootfs becomes the read-only lower layer of an overlay");
  cmd->add_option("--network", network, "minirun: bridge or none")->check(CLI::IsMember({"bridge", "none"}));
  cmd->add_option("--publish", publish,
                  "minirun: publish a port of the bridge network, [HOST_IP:]HOST_PORT:PORT[/udp]");
  return cmd;
}

namespace {

// runc's default config.json with minirun's annotations for the flags given.
std::string with_minirun_flags(const std::string& text, const SpecFlags& f) {
  auto j = nlohmann::ordered_json::parse(text);
  auto& ann = j["annotations"];
  std::map<std::string, std::string> ours;
  // The overlay's upper layer is there to be written to.
  if (f.overlay) {
    ours[std::string(kAnnotationPrefix) + "rootfs.overlay"] = "true";
    j["root"]["readonly"] = false;
  }
  if (!f.network.empty()) ours[std::string(kAnnotationPrefix) + "network"] = f.network;
  // ICMP echo sockets for every group, as docker and podman set it:
  // ping works without CAP_NET_RAW.
  if (f.network == "bridge") j["linux"]["sysctl"]["net.ipv4.ping_group_range"] = "0 2147483647";
  std::string ports;
  for (const auto& p : f.publish) ports += (ports.empty() ? "" : ",") + p;
  if (!ports.empty()) ours[std::string(kAnnotationPrefix) + "network.ports"] = ports;
  parse_extensions(ours);  // the same errors as at create, naming the annotation
  for (const auto& [k, v] : ours) ann[k] = v;
  return j.dump(1, '\t');
}

}  // namespace

int spec_command(const Globals&, SpecFlags& f) {
  return with_command_context("spec", [&] {
    std::string path = (f.bundle.empty() ? std::string(".") : f.bundle) + "/config.json";
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) throw Error("File " + path + " exists. Remove it first");
    std::string text = spec::default_spec_json(f.rootless);
    if (f.overlay || !f.network.empty() || !f.publish.empty()) text = with_minirun_flags(text, f);
    write_file(path, text, O_EXCL, 0666);
    return 0;
  });
}

}  // namespace minirun::runtime::cli
