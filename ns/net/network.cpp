// The bridge network: a veth pair between a host bridge and the container's
// netns, addressed from the file-locked allocator in ns/leases.
#include <arpa/inet.h>

#include <cinttypes>
#include <cstdio>
#include <optional>

#include "ns/net/leases.h"
#include "ns/net/links.h"
#include "ns/net/netlink.h"
#include "ns/net/network.h"
#include "ns/ns.h"
#include "ns/net/veth_names.h"
#include "spec/error.h"
#include "spec/files.h"
#include "spec/procfs.h"
#include "spec/unique_fd.h"

namespace minirun::ns {

namespace {

// FNV-1a: stable across builds and machines, unlike std::hash.
uint64_t stable_hash(const std::string& s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (unsigned char c : s) {
    h ^= c;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

std::string hashed_name(const char* prefix, const std::string& id) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%s%011" PRIx64, prefix, static_cast<uint64_t>(stable_hash(id) & 0xfffffffffffULL));
  return buf;
}

in_addr to_in_addr(uint32_t host_order) { return in_addr{htonl(host_order)}; }

// Makes the bridge if missing (another setup may race us: EEXIST is fine),
// gives it the gateway address and brings it up.
links::Link ensure_bridge(netlink::Socket& nl, const std::string& name, const leases::Subnet& subnet,
                          const std::string& subnet_text) {
  auto bridge = links::find_link(nl, name);
  if (!bridge) {
    if (auto taken = links::overlapping_route(nl, subnet.network, subnet.prefix_len, name)) {
      throw Error("subnet " + subnet_text + " of bridge " + name + " overlaps " + *taken +
                      "; pick another with the annotation run.minirun.network.subnet",
                  EADDRINUSE);
    }
    try {
      links::create_bridge(nl, name);
    } catch (const Error& e) {
      if (e.error_number() != EEXIST) throw;
    }
    bridge = links::find_link(nl, name);
    if (!bridge) throw Error("bridge " + name + " vanished after creation", ENODEV);
  }
  if (bridge->kind != "bridge") {
    throw Error(name + " exists but is a " + (bridge->kind.empty() ? "non-bridge" : bridge->kind) + " device",
                EEXIST);
  }
  links::add_address(nl, bridge->index, name, to_in_addr(subnet.gateway()), subnet.prefix_len, true);
  links::set_up(nl, bridge->index, name);
  return *bridge;
}

// Host state the bridge's traffic needs, in the caller's netns: forwarding
// (as docker turns it on) and, on the bridge only, route_localnet, without
// which a connection to 127.0.0.1:PORT cannot be DNATed to a container (the
// table's guard chain drops what a bridge sends to 127.0.0.0/8).
void enable_forwarding(const std::string& bridge) {
  procfs::write_file("sys/net/ipv4/ip_forward", "1");
  procfs::write_file("sys/net/ipv4/conf/" + bridge + "/route_localnet", "1");
}

// Makes the bridge's rules unless the marker file says they were made for
// this very bridge (its ifindex; a bridge deleted and made again has another).
void ensure_rules(const links::Link& bridge, const BridgeConfig& cfg, const std::string& lease_file,
                  Firewall& firewall) {
  const std::string marker = lease_file.substr(0, lease_file.size() - std::string(".leases").size()) + ".rules";
  const std::string index = std::to_string(bridge.index) + "\n";
  std::string recorded;
  if (try_read_file(marker, recorded) && recorded == index) return;
  enable_forwarding(cfg.bridge);
  firewall.add_bridge(cfg.bridge, cfg.subnet);
  write_file_atomic(marker, index, false, 0644);
}

// Inside the container's netns: eth0 with its address, lo, default route.
void configure_container_side(pid_t netns_pid, const std::string& peer, const Lease& lease) {
  std::optional<netlink::Socket> slot;
  netlink::Socket& nl = links::open_in_netns_of(netns_pid, slot);
  auto link = links::find_link(nl, peer);
  if (!link) throw Error("veth peer " + peer + " is missing in the container's netns", ENODEV);
  links::rename_and_set_mtu(nl, link->index, "eth0", lease.mtu);
  links::add_address(nl, link->index, "eth0", to_in_addr(leases::parse_ipv4(lease.address)), lease.prefix_len,
                     false);
  if (auto lo = links::find_link(nl, "lo")) links::set_up(nl, lo->index, "lo");
  links::set_up(nl, link->index, "eth0");
  links::add_default_route(nl, link->index, to_in_addr(leases::parse_ipv4(lease.gateway)));
}

}  // namespace

std::string host_veth_name(const std::string& container_id) { return hashed_name("mr", container_id); }
std::string peer_veth_name(const std::string& container_id) { return hashed_name("mp", container_id); }

Lease planned_lease(const std::string& container_id, const BridgeConfig& cfg) {
  Lease lease;
  lease.container_id = container_id;
  lease.bridge = cfg.bridge;
  lease.host_veth = host_veth_name(container_id);
  return lease;
}

Lease setup_bridge(pid_t netns_pid, const std::string& container_id, const BridgeConfig& cfg,
                   const std::string& state_root, Firewall& firewall) {
  return with_context("network", [&] {
    const leases::Subnet subnet = leases::parse_subnet(cfg.subnet);
    const std::string lease_file = leases::file_path(state_root, cfg.bridge);  // checks the name
    netlink::Socket host;
    const links::Link bridge = ensure_bridge(host, cfg.bridge, subnet, cfg.subnet);

    Lease lease = planned_lease(container_id, cfg);
    lease.prefix_len = subnet.prefix_len;
    lease.gateway = leases::format_ipv4(subnet.gateway());
    lease.mtu = cfg.mtu ? cfg.mtu : bridge.mtu;

    lease.address = leases::acquire(lease_file, subnet, container_id);
    ScopeGuard release_lease([&] { leases::give_back(lease_file, container_id); });
    ensure_rules(bridge, cfg, lease_file, firewall);  // after acquire() made the dir

    const std::string peer = peer_veth_name(container_id);
    links::create_veth(host, lease.host_veth, peer, netns_pid, lease.mtu, bridge.index);
    ScopeGuard delete_veth([&] { links::delete_link(host, lease.host_veth); });
    auto host_end = links::find_link(host, lease.host_veth);
    if (!host_end) throw Error("veth " + lease.host_veth + " vanished after creation", ENODEV);
    links::set_up(host, host_end->index, lease.host_veth);

    configure_container_side(netns_pid, peer, lease);
    if (!cfg.ports.empty()) {
      lease.ports = cfg.ports;
      firewall.publish(lease);
    }
    delete_veth.dismiss();
    release_lease.dismiss();
    return lease;
  });
}

void teardown_bridge(const Lease& lease, const std::string& state_root, Firewall& firewall) {
  with_context("network", [&] {
    if (!lease.ports.empty()) firewall.unpublish(lease);
    if (!lease.host_veth.empty()) {
      netlink::Socket host;
      links::delete_link(host, lease.host_veth);  // gone already: fine
    }
    if (!lease.bridge.empty() && !lease.container_id.empty()) {
      leases::give_back(leases::file_path(state_root, lease.bridge), lease.container_id);
    }
  });
}

void loopback_up(pid_t netns_pid) {
  with_context("network: lo", [&] {
    std::optional<netlink::Socket> slot;
    netlink::Socket& nl = links::open_in_netns_of(netns_pid, slot);
    auto lo = links::find_link(nl, "lo");
    if (!lo) throw Error("no lo in the netns of " + std::to_string(netns_pid), ENODEV);
    links::set_up(nl, lo->index, "lo");
  });
}

}  // namespace minirun::ns
