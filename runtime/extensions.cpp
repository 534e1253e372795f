#include "runtime/extensions.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdlib>

#include "runtime/units.h"
#include "spec/error.h"
#include "spec/strings.h"

namespace minirun::runtime {

static Error annotation_error(const std::string& key, const std::string& cause) {
  return Error("config.json: annotations[\"" + key + "\"]: " + cause);
}

static bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0" || v.empty()) return false;
  throw annotation_error(key, "expected \"true\" or \"false\", got \"" + v + "\"");
}

static std::string absolute_path(const std::string& key, const std::string& v) {
  if (v.empty() || v[0] != '/') throw annotation_error(key, "must be an absolute path, got \"" + v + "\"");
  return v;
}

static uint16_t parse_port(const std::string& key, const std::string& entry, const std::string& text) {
  char* end;
  unsigned long port = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) || *end || port < 1 || port > 65535)
    throw annotation_error(key, "\"" + entry + "\": invalid port \"" + text + "\"");
  return static_cast<uint16_t>(port);
}

// "[HOST_IP:]HOST_PORT:PORT[/tcp|/udp]", comma-separated.
static std::vector<ns::PublishedPort> parse_ports(const std::string& key, const std::string& value) {
  std::vector<ns::PublishedPort> out;
  for (const std::string& entry : split(value, ',')) {
    ns::PublishedPort p;
    std::string spec = entry;
    if (auto slash = spec.find('/'); slash != std::string::npos) {
      p.protocol = spec.substr(slash + 1);
      spec.erase(slash);
      if (p.protocol != "tcp" && p.protocol != "udp")
        throw annotation_error(key, "\"" + entry + "\": the protocol is tcp or udp, not \"" + p.protocol + "\"");
    }
    std::vector<std::string> parts = split(spec, ':');
    if (parts.size() == 3) {
      in_addr a;
      if (inet_pton(AF_INET, parts[0].c_str(), &a) != 1)
        throw annotation_error(key, "\"" + entry + "\": \"" + parts[0] + "\" is not an IPv4 address");
      p.host_ip = parts[0];
      parts.erase(parts.begin());
    }
    if (parts.size() != 2)
      throw annotation_error(key, "\"" + entry + "\": expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]");
    p.host_port = parse_port(key, entry, parts[0]);
    p.container_port = parse_port(key, entry, parts[1]);
    for (const auto& q : out) {
      if (q.host_port == p.host_port && q.protocol == p.protocol && q.host_ip == p.host_ip)
        throw annotation_error(key, "\"" + entry + "\": host port " + parts[0] + "/" + p.protocol + " is listed twice");
    }
    out.push_back(p);
  }
  return out;
}

Extensions parse_extensions(const std::map<std::string, std::string>& annotations) {
  Extensions x;
  for (const auto& [key, value] : annotations) {
    if (key.rfind(kAnnotationPrefix, 0) != 0) continue;
    std::string name = key.substr(std::string(kAnnotationPrefix).size());
    if (name == "rootfs.overlay") {
      x.overlay = parse_bool(key, value);
    } else if (name == "rootfs.overlay.lower") {
      for (const std::string& part : split(value, ':')) x.overlay_lower.push_back(absolute_path(key, part));
    } else if (name == "rootfs.overlay.upper") {
      x.overlay_upper = absolute_path(key, value);
    } else if (name == "rootfs.overlay.work") {
      x.overlay_work = absolute_path(key, value);
    } else if (name == "rootfs.overlay.size") {
      x.overlay_size = parse_bytes(value, "config.json: annotations[\"" + key + "\"]");
      if (x.overlay_size < 4096) throw annotation_error(key, "must be at least 4k, got \"" + value + "\"");
      x.overlay_size_set = true;
    } else if (name == "network") {
      if (value == "bridge") {
        x.network = Extensions::Network::bridge;
      } else if (value == "none") {
        x.network = Extensions::Network::none;
      } else if (!value.empty() && value[0] == '/') {
        x.network = Extensions::Network::path;
        x.netns_path = value;
      } else {
        throw annotation_error(key, "expected \"bridge\", \"none\" or a netns path, got \"" + value + "\"");
      }
    } else if (name == "network.bridge") {
      if (value.empty() || value.size() > 15) throw annotation_error(key, "a bridge name has 1 to 15 characters");
      x.bridge.bridge = value;
    } else if (name == "network.subnet") {
      x.bridge.subnet = value;
    } else if (name == "network.mtu") {
      char* end;
      unsigned long mtu = std::strtoul(value.c_str(), &end, 10);
      if (*end || mtu < 68 || mtu > 65535) throw annotation_error(key, "invalid MTU \"" + value + "\"");
      x.bridge.mtu = static_cast<unsigned>(mtu);
    } else if (name == "network.ports") {
      x.bridge.ports = parse_ports(key, value);
    } else {
      throw annotation_error(key, "unknown minirun annotation");
    }
  }
  bool overlay_options =
      !x.overlay_lower.empty() || !x.overlay_upper.empty() || !x.overlay_work.empty() || x.overlay_size_set;
  if (overlay_options && !x.overlay)
    throw annotation_error("run.minirun.rootfs.overlay", "overlay layers are set but the overlay is not enabled");
  if (!x.overlay_work.empty() && x.overlay_upper.empty())
    throw annotation_error("run.minirun.rootfs.overlay.work", "needs run.minirun.rootfs.overlay.upper");
  if (!x.bridge.ports.empty() && x.network != Extensions::Network::bridge)
    throw annotation_error("run.minirun.network.ports", "publishing ports needs run.minirun.network: bridge");
  if (x.overlay_size_set && !x.overlay_upper.empty())
    throw annotation_error("run.minirun.rootfs.overlay.size",
                           "limits the ephemeral upper only, not run.minirun.rootfs.overlay.upper");
  return x;
}

}  // namespace minirun::runtime
