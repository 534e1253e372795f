// Private: the rtnetlink operations the container network needs, one
// request each, on a netlink::Socket of the namespace they act in.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "ns/net/netlink.h"

namespace minirun::ns::links {

struct Link {
  int index = 0;
  unsigned mtu = 0;
  std::string kind;  // IFLA_INFO_KIND: "bridge", "veth", "" for lo
};

std::optional<Link> find_link(netlink::Socket& nl, const std::string& name);
void create_bridge(netlink::Socket& nl, const std::string& name);
// The peer is born in the netns of peer_netns_pid, so it never shows up here.
void create_veth(netlink::Socket& nl, const std::string& host, const std::string& peer,
                 pid_t peer_netns_pid, unsigned mtu, int master_index);
// Returns false when there was no such link.
bool delete_link(netlink::Socket& nl, const std::string& name);
void set_up(netlink::Socket& nl, int index, const std::string& name);
void rename_and_set_mtu(netlink::Socket& nl, int index, const std::string& new_name, unsigned mtu);
// exist_ok: an address already there counts as success (a reused bridge).
void add_address(netlink::Socket& nl, int index, const std::string& link_name, in_addr addr,
                 int prefix_len, bool exist_ok);
void add_default_route(netlink::Socket& nl, int oif, in_addr gateway);

// The first IPv4 route (main table, not the default route) or address whose
// prefix overlaps network/prefix_len (host byte order) on a link other than
// `own` (the bridge, when a concurrent setup just made it): "10.88.0.0/16
// on cni-podman0", or nothing.
std::optional<std::string> overlapping_route(netlink::Socket& nl, uint32_t network, int prefix_len,
                                             const std::string& own);

// Opens a netlink socket in the netns of pid: the calling thread setns()es
// there only while the socket is made, then back to where it was.
netlink::Socket& open_in_netns_of(pid_t pid, std::optional<netlink::Socket>& slot);

}  // namespace minirun::ns::links
