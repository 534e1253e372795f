#include "ns/net/links.h"

// if_indextoname(); before linux/if.h, which then leaves it the IFF_* names.
#include <net/if.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include "ns/ns.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::ns::links {

namespace {

std::string address_text(in_addr addr) {
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &addr, buf, sizeof(buf)) ? buf : "?";
}

void read_link(const nlmsghdr* nlh, Link& link) {
  link.index = static_cast<const ifinfomsg*>(netlink::payload(nlh))->ifi_index;
  auto tb = netlink::parse_attrs(nlh, sizeof(ifinfomsg), IFLA_MAX);
  uint32_t mtu = 0;
  if (netlink::read_u32(tb[IFLA_MTU], mtu)) link.mtu = mtu;
  auto info = netlink::parse_nested(tb[IFLA_LINKINFO], IFLA_INFO_MAX);
  netlink::read_string(info[IFLA_INFO_KIND], link.kind);
}

}  // namespace

std::optional<Link> find_link(netlink::Socket& nl, const std::string& name) {
  netlink::Request req(RTM_GETLINK, 0, "link " + name);
  auto* ifi = req.family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  req.put_str(IFLA_IFNAME, name);
  std::optional<Link> found;
  try {
    nl.ack(req, [&](const nlmsghdr* nlh) {
      if (nlh->nlmsg_type != RTM_NEWLINK) return;
      if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return;
      Link link;
      read_link(nlh, link);
      found = link;
    });
  } catch (const Error& e) {
    if (e.error_number() != ENODEV) throw;
  }
  return found;
}

void create_bridge(netlink::Socket& nl, const std::string& name) {
  netlink::Request req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "bridge " + name);
  req.family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  req.put_str(IFLA_IFNAME, name);
  nlattr* info = req.nest_begin(IFLA_LINKINFO);
  req.put_str(IFLA_INFO_KIND, "bridge");
  req.nest_end(info);
  nl.ack(req);
}

void create_veth(netlink::Socket& nl, const std::string& host, const std::string& peer,
                 pid_t peer_netns_pid, unsigned mtu, int master_index) {
  netlink::Request req(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "veth " + host);
  req.family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  req.put_str(IFLA_IFNAME, host);
  req.put_u32(IFLA_MTU, mtu);
  req.put_u32(IFLA_MASTER, static_cast<uint32_t>(master_index));
  nlattr* info = req.nest_begin(IFLA_LINKINFO);
  req.put_str(IFLA_INFO_KIND, "veth");
  nlattr* data = req.nest_begin(IFLA_INFO_DATA);
  nlattr* peer_nest = req.nest_begin(VETH_INFO_PEER);
  // The peer's attributes come after its own ifinfomsg, inside the nest.
  req.family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  req.put_str(IFLA_IFNAME, peer);
  req.put_u32(IFLA_MTU, mtu);
  req.put_u32(IFLA_NET_NS_PID, static_cast<uint32_t>(peer_netns_pid));
  req.nest_end(peer_nest);
  req.nest_end(data);
  req.nest_end(info);
  nl.ack(req);
}

bool delete_link(netlink::Socket& nl, const std::string& name) {
  netlink::Request req(RTM_DELLINK, 0, "link " + name);
  req.family_header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  req.put_str(IFLA_IFNAME, name);
  try {
    nl.ack(req);
  } catch (const Error& e) {
    if (e.error_number() == ENODEV) return false;
    throw;
  }
  return true;
}

void set_up(netlink::Socket& nl, int index, const std::string& name) {
  netlink::Request req(RTM_NEWLINK, 0, "link " + name + " up");
  auto* ifi = req.family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  nl.ack(req);
}

void rename_and_set_mtu(netlink::Socket& nl, int index, const std::string& new_name, unsigned mtu) {
  netlink::Request req(RTM_NEWLINK, 0, "link " + new_name);
  auto* ifi = req.family_header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  req.put_str(IFLA_IFNAME, new_name);
  req.put_u32(IFLA_MTU, mtu);
  nl.ack(req);
}

void add_address(netlink::Socket& nl, int index, const std::string& link_name, in_addr addr,
                 int prefix_len, bool exist_ok) {
  netlink::Request req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
                       "address " + address_text(addr) + "/" + std::to_string(prefix_len) + " on " + link_name);
  auto* ifa = req.family_header<ifaddrmsg>();
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = static_cast<unsigned char>(prefix_len);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(index);
  req.put(IFA_LOCAL, &addr, sizeof(addr));
  req.put(IFA_ADDRESS, &addr, sizeof(addr));
  if (prefix_len < 31) {
    uint32_t mask = prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len);
    in_addr brd{htonl(ntohl(addr.s_addr) | ~mask)};
    req.put(IFA_BROADCAST, &brd, sizeof(brd));
  }
  try {
    nl.ack(req);
  } catch (const Error& e) {
    if (!(exist_ok && e.error_number() == EEXIST)) throw;
  }
}

void add_default_route(netlink::Socket& nl, int oif, in_addr gateway) {
  netlink::Request req(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "default via " + address_text(gateway));
  auto* rt = req.family_header<rtmsg>();
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = 0;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  req.put(RTA_GATEWAY, &gateway, sizeof(gateway));
  req.put_u32(RTA_OIF, static_cast<uint32_t>(oif));
  nl.ack(req);
}

namespace {

uint32_t prefix_mask(int len) { return len <= 0 ? 0 : ~uint32_t{0} << (32 - len); }

// Two prefixes overlap when they agree on the shorter one's bits.
bool overlaps(uint32_t a, int a_len, uint32_t b, int b_len) {
  uint32_t mask = prefix_mask(std::min(a_len, b_len));
  return (a & mask) == (b & mask);
}

std::string link_name(int index) {
  char name[IF_NAMESIZE];
  return ::if_indextoname(static_cast<unsigned>(index), name) ? name : "interface " + std::to_string(index);
}

std::string prefix_text(uint32_t network, int len) {
  return address_text(in_addr{htonl(network & prefix_mask(len))}) + "/" + std::to_string(len);
}

}  // namespace

std::optional<std::string> overlapping_route(netlink::Socket& nl, uint32_t network, int prefix_len,
                                             const std::string& own) {
  std::optional<std::string> found;
  netlink::Request routes(RTM_GETROUTE, NLM_F_DUMP, "routes");
  routes.family_header<rtmsg>()->rtm_family = AF_INET;
  nl.ack(routes, [&](const nlmsghdr* nlh) {
    if (found || nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return;
    const auto* rt = static_cast<const rtmsg*>(netlink::payload(nlh));
    if (rt->rtm_table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST || rt->rtm_dst_len == 0) return;
    auto tb = netlink::parse_attrs(nlh, sizeof(rtmsg), RTA_MAX);
    uint32_t dst = 0, oif = 0;
    if (!netlink::read_u32(tb[RTA_DST], dst)) return;  // 4 bytes, in network order
    dst = ntohl(dst);
    if (!overlaps(dst, rt->rtm_dst_len, network, prefix_len)) return;
    netlink::read_u32(tb[RTA_OIF], oif);
    const std::string link = link_name(static_cast<int>(oif));
    if (link != own) found = prefix_text(dst, rt->rtm_dst_len) + " on " + link;
  });
  if (found) return found;
  netlink::Request addresses(RTM_GETADDR, NLM_F_DUMP, "addresses");
  addresses.family_header<ifaddrmsg>()->ifa_family = AF_INET;
  nl.ack(addresses, [&](const nlmsghdr* nlh) {
    if (found || nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return;
    const auto* ifa = static_cast<const ifaddrmsg*>(netlink::payload(nlh));
    if (ifa->ifa_family != AF_INET) return;
    auto tb = netlink::parse_attrs(nlh, sizeof(ifaddrmsg), IFA_MAX);
    const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    uint32_t addr = 0;
    if (!netlink::read_u32(a, addr)) return;
    addr = ntohl(addr);
    if (!overlaps(addr, ifa->ifa_prefixlen, network, prefix_len)) return;
    const std::string link = link_name(static_cast<int>(ifa->ifa_index));
    if (link != own)
      found = address_text(in_addr{htonl(addr)}) + "/" + std::to_string(ifa->ifa_prefixlen) + " on " + link;
  });
  return found;
}

netlink::Socket& open_in_netns_of(pid_t pid, std::optional<netlink::Socket>& slot) {
  UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original) throw_errno("open /proc/thread-self/ns/net");
  UniqueFd target = open_namespace("/proc/" + std::to_string(pid) + "/ns/net", spec::NamespaceType::network);
  join_namespace(target.get(), spec::NamespaceType::network);
  std::exception_ptr failure;
  try {
    slot.emplace();
  } catch (...) {
    failure = std::current_exception();
  }
  // Back before anything else: the rest of this thread's work is host-side.
  if (::setns(original.get(), CLONE_NEWNET) < 0) {
    throw_errno("setns back to the original network namespace");
  }
  if (failure) std::rethrow_exception(failure);
  return *slot;
}

}  // namespace minirun::ns::links
