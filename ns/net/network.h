// ns/net/: the container network: a veth pair on a host bridge, over
// netlink via libnl-3, addresses from a file-locked lease file, published
// ports through the runtime's firewall (the minirun-nft companion).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace minirun::ns {

// A container port published on the host: HOST_IP:HOST_PORT -> eth0:PORT.
struct PublishedPort {
  std::string host_ip;  // "" = every local address of the host
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";  // or "udp"
};

// The default subnet is neither podman's (10.88.0.0/16) nor docker's
// (172.17.0.0/16 and up): a user of either keeps reaching their containers.
struct BridgeConfig {
  std::string bridge = "minirun0";
  std::string subnet = "10.213.0.0/16";  // gateway = first host address
  unsigned mtu = 0;                      // 0: the bridge's
  std::vector<PublishedPort> ports;
};

struct Lease {
  std::string container_id;
  std::string bridge;
  std::string host_veth;  // e.g. "mr" + 11 hex chars of the id hash
  std::string address;    // "10.213.0.5"
  int prefix_len = 16;
  std::string gateway;  // "10.213.0.1"
  unsigned mtu = 1500;
  std::vector<PublishedPort> ports;  // published, so delete unpublishes them
};

// The bridge's firewall rules: runtime provides them (through the
// minirun-nft companion), ns decides when they are needed.
struct Firewall {
  virtual ~Firewall() = default;
  // The forwarding and masquerading of a bridge's subnet; idempotent.
  virtual void add_bridge(const std::string& bridge, const std::string& subnet) = 0;
  // The DNAT of lease.ports to lease.address: all or nothing.
  virtual void publish(const Lease& lease) = 0;
  // Removes what publish() made; what is already gone is fine.
  virtual void unpublish(const Lease& lease) = 0;
};

// In the caller's netns: ensures the bridge exists and is up with the gateway
// address; allocates an address for `container_id` from a file-locked lease
// file under `state_root` (state_root/network/<bridge>.leases); creates a
// veth pair, attaches the host end to the bridge, moves the peer into the
// netns of `netns_pid`, renames it eth0, sets address, MTU, lo up, default
// route; publishes cfg.ports (firewall.publish).  On error everything made
// is undone (veth deleted, lease released).
// A bridge about to be made must have a subnet nothing else on the host
// routes: "network: subnet 10.213.0.0/16 of bridge minirun0 overlaps
// 10.88.0.0/16 on cni-podman0; pick another with the annotation
// run.minirun.network.subnet".  When the bridge is new (or its rules were
// made for an earlier bridge of that name: STATE_ROOT/network/<bridge>.rules
// records the ifindex they are for), turns on IPv4 forwarding in this netns,
// route_localnet on the bridge (the DNAT of 127.0.0.1) and calls
// firewall.add_bridge; a bridge whose rules are in place costs no call.
// Call it from the parent once the init is in its new netns (and before the
// init needs the network); it works from any thread: the calling thread enters
// the container's netns only to open a netlink socket there and goes back.
// Errors: "network: netlink: RTM_NEWLINK veth mr0123456789a: File exists".
// A container id holds at most one lease: setup again needs teardown first.
// The names setup_bridge() gives a container's lease (bridge, host veth, id),
// without an address: what teardown_bridge() needs to undo a setup_bridge()
// that was cut short, so the state can hold it before the setup starts.
Lease planned_lease(const std::string& container_id, const BridgeConfig& cfg);

Lease setup_bridge(pid_t netns_pid, const std::string& container_id, const BridgeConfig& cfg,
                   const std::string& state_root, Firewall& firewall);

// Unpublishes the lease's ports, deletes the host veth (if still there) and
// releases the lease.  The bridge and its rules stay.  Idempotent.
void teardown_bridge(const Lease& lease, const std::string& state_root, Firewall& firewall);

// Brings lo up in the netns of pid (mode "none").
void loopback_up(pid_t netns_pid);

}  // namespace minirun::ns
