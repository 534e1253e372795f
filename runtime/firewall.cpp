#include "runtime/firewall.h"

#include "runtime/companion.h"

namespace minirun::runtime {

namespace {

constexpr const char* kCompanion = "minirun-nft";

// minirun-nft's stdin: "PROTO HOST_IP HOST_PORT ADDRESS PORT" a line.
std::string port_lines(const ns::Lease& lease) {
  std::string out;
  for (const auto& p : lease.ports) {
    out += p.protocol + " " + (p.host_ip.empty() ? "*" : p.host_ip) + " " + std::to_string(p.host_port) + " " +
           lease.address + " " + std::to_string(p.container_port) + "\n";
  }
  return out;
}

}  // namespace

void NftFirewall::add_bridge(const std::string& bridge, const std::string& subnet) {
  run_companion(kCompanion, {"bridge", bridge, subnet});
}

void NftFirewall::publish(const ns::Lease& lease) {
  run_companion(kCompanion, {"publish", lease.container_id}, port_lines(lease));
}

void NftFirewall::unpublish(const ns::Lease& lease) {
  run_companion(kCompanion, {"unpublish", lease.container_id}, port_lines(lease));
}

}  // namespace minirun::runtime
