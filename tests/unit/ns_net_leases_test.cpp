// The bridge network's address allocator and veth names: pure code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "ns/net/leases.h"
#include "ns/net/veth_names.h"
#include "spec/error.h"

namespace minirun::ns {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Subnet, ParsesNetworkGatewayAndBroadcast) {
  auto s = leases::parse_subnet("10.88.0.0/16");
  EXPECT_EQ(leases::format_ipv4(s.network), "10.88.0.0");
  EXPECT_EQ(s.prefix_len, 16);
  EXPECT_EQ(leases::format_ipv4(s.gateway()), "10.88.0.1");
  EXPECT_EQ(leases::format_ipv4(s.broadcast()), "10.88.255.255");
}

TEST(Subnet, RejectsBadInputWithClearErrors) {
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0.0"); }),
            "subnet 10.88.0.0: expected ADDRESS/PREFIX (10.88.0.0/16)");
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0/16"); }),
            "subnet 10.88.0/16: 10.88.0 is not an IPv4 address");
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0.0/x"); }),
            "subnet 10.88.0.0/x: prefix length x is not a number");
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0.0/31"); }),
            "subnet 10.88.0.0/31: prefix length must be between 1 and 30");
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0.0/0"); }),
            "subnet 10.88.0.0/0: prefix length must be between 1 and 30");
  EXPECT_EQ(error_of([] { leases::parse_subnet("10.88.0.7/16"); }),
            "subnet 10.88.0.7/16: host bits are set (the network is 10.88.0.0/16)");
}

TEST(Allocator, FirstFreeAfterGateway) {
  auto s = leases::parse_subnet("10.88.0.0/16");
  std::vector<leases::Entry> e;
  EXPECT_EQ(leases::allocate(s, e, "a"), "10.88.0.2");
  EXPECT_EQ(leases::allocate(s, e, "b"), "10.88.0.3");
  EXPECT_EQ(leases::allocate(s, e, "c"), "10.88.0.4");
  ASSERT_TRUE(leases::release(e, "b"));
  EXPECT_FALSE(leases::release(e, "b"));
  EXPECT_EQ(leases::allocate(s, e, "d"), "10.88.0.3");  // freed, so first free again
  EXPECT_EQ(leases::allocate(s, e, "e"), "10.88.0.5");
}

TEST(Allocator, NoReuseWhileLeasedAndOneLeasePerContainer) {
  auto s = leases::parse_subnet("10.88.0.0/16");
  auto e = leases::parse("10.88.0.2 a\n10.88.0.4 c\n");
  EXPECT_EQ(leases::allocate(s, e, "b"), "10.88.0.3");
  EXPECT_EQ(leases::allocate(s, e, "d"), "10.88.0.5");
  EXPECT_EQ(error_of([&] { leases::allocate(s, e, "a"); }), "container a already holds lease 10.88.0.2");
}

TEST(Allocator, SkipsNetworkGatewayBroadcastAndReportsExhaustion) {
  auto s = leases::parse_subnet("192.168.7.0/30");  // .0 net, .1 gw, .2 host, .3 broadcast
  std::vector<leases::Entry> e;
  EXPECT_EQ(leases::allocate(s, e, "a"), "192.168.7.2");
  EXPECT_EQ(error_of([&] { leases::allocate(s, e, "b"); }), "subnet 192.168.7.0/30: no free address");
  auto s29 = leases::parse_subnet("192.168.7.8/29");
  std::vector<leases::Entry> f;
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) got.insert(leases::allocate(s29, f, "c" + std::to_string(i)));
  EXPECT_EQ(got, (std::set<std::string>{"192.168.7.10", "192.168.7.11", "192.168.7.12", "192.168.7.13",
                                         "192.168.7.14"}));
  EXPECT_THROW(leases::allocate(s29, f, "x"), Error);
}

TEST(Allocator, RejectsIdsAndBridgeNamesThatBreakTheFormat) {
  auto s = leases::parse_subnet("10.88.0.0/16");
  std::vector<leases::Entry> e;
  EXPECT_EQ(error_of([&] { leases::allocate(s, e, "a b"); }),
            "container id \"a b\" cannot hold a lease (empty or has whitespace)");
  EXPECT_THROW(leases::allocate(s, e, ""), Error);
  EXPECT_EQ(error_of([] { leases::file_path("/run/minirun", "../x"); }),
            "bridge name \"../x\" is not a valid interface name");
  EXPECT_THROW(leases::file_path("/r", "a-very-long-bridge-name"), Error);
  EXPECT_THROW(leases::file_path("/r", ""), Error);
}

TEST(LeaseText, RoundTripsAndRejectsGarbage) {
  auto e = leases::parse("10.88.0.2 a\n\n10.88.0.3 b\n");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].container_id, "b");
  EXPECT_EQ(leases::format(e), "10.88.0.2 a\n10.88.0.3 b\n");
  EXPECT_EQ(error_of([] { leases::parse("10.88.0.2 a\nbroken\n"); }),
            "line 2: expected \"ADDRESS CONTAINER_ID\", got \"broken\"");
  EXPECT_EQ(error_of([] { leases::parse("10.88.0.300 a\n"); }), "line 1: 10.88.0.300 is not an IPv4 address");
}

TEST(LeaseFile, AcquireAndGiveBackUnderLock) {
  char tmpl[] = "/tmp/ns_leases_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  const std::string path = leases::file_path(root, "mrtest0");
  EXPECT_EQ(path, root + "/network/mrtest0.leases");
  auto s = leases::parse_subnet("10.99.0.0/24");

  leases::give_back(path, "nobody");  // no file yet: nothing to do
  std::vector<std::thread> threads;
  std::vector<std::string> got(40);
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] { got[i] = leases::acquire(path, s, "c" + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), 40u);
  std::ifstream in(path);
  EXPECT_EQ(leases::parse(std::string(std::istreambuf_iterator<char>(in), {})).size(), 40u);

  leases::give_back(path, "c0");
  leases::give_back(path, "c0");  // idempotent
  EXPECT_EQ(leases::acquire(path, s, "again"), got[0]);  // the freed address is the first free one
  std::filesystem::remove_all(root);
}

TEST(VethNames, ShortStableAndDistinct) {
  const std::string a = host_veth_name("my-container");
  EXPECT_EQ(a, host_veth_name("my-container"));
  EXPECT_LE(a.size(), 15u);
  EXPECT_EQ(a.rfind("mr", 0), 0u);
  EXPECT_LE(host_veth_name(std::string(300, 'x')).size(), 15u);
  EXPECT_LE(peer_veth_name(std::string(300, 'x')).size(), 15u);
  EXPECT_NE(peer_veth_name("my-container"), a);
  std::set<std::string> names;
  for (int i = 0; i < 10000; ++i) names.insert(host_veth_name("c" + std::to_string(i)));
  EXPECT_EQ(names.size(), 10000u);
}

}  // namespace
}  // namespace minirun::ns
