// Issue 4: container networking (run.minirun.network), through the real
// binary.  Each test first moves its own thread into a network namespace it
// made (unshare(CLONE_NEWNET) only affects the calling thread; minirun and
// the threads it starts inherit it), so the bridge, veths and every packet
// stay in that private namespace, which goes away with the test.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <set>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

// Interface names of the test's (private) network namespace.
std::set<std::string> links() { return PrivateNetns::links(); }

struct Inet {
  std::string address;
  std::string prefix;
};

// The first "inet A/N" in `ip -4 -o addr` output.
Inet first_inet(const std::string& ip_output) {
  std::smatch m;
  if (!std::regex_search(ip_output, m, std::regex("inet ([0-9.]+)/([0-9]+)"))) return {};
  return {m[1], m[2]};
}

void add_cap(nlohmann::json& config, const std::string& cap) {
  for (const char* set : {"bounding", "effective", "permitted"}) config["process"]["capabilities"][set].push_back(cap);
}

class NetworkTest : public MinirunTest {
 protected:
  void SetUp() override {
    netns_ = std::make_unique<PrivateNetns>();
    ASSERT_TRUE(netns_->ok()) << "cannot make a private network namespace";
    MinirunTest::SetUp();
  }
  void TearDown() override {
    MinirunTest::TearDown();  // deletes leftover containers, in the private netns
    netns_.reset();           // never run later tests in the wrong netns
  }

  // A bundle with the bridge network and a private-netns-free config.
  void enable_bridge(Bundle& b) {
    b.config["annotations"]["run.minirun.network"] = "bridge";
    b.save();
  }
  Inet eth0_of(const std::string& id) {
    Result r = minirun({"exec", id, "ip", "-4", "-o", "addr", "show", "dev", "eth0"});
    EXPECT_EQ(r.code, 0) << r.err;
    return first_inet(r.out);
  }

  std::unique_ptr<PrivateNetns> netns_;
};

TEST_F(NetworkTest, SpecWritesExactlyTheTwoAnnotations) {
  Bundle with(false, {"--overlay", "--network", "bridge"});
  EXPECT_EQ(with.config["annotations"],
            nlohmann::json({{"run.minirun.rootfs.overlay", "true"}, {"run.minirun.network", "bridge"}}));
  Bundle plain;
  EXPECT_FALSE(plain.config.contains("annotations")) << plain.config["annotations"].dump();
}

TEST_F(NetworkTest, Eth0HasAnAddressInTheSubnetAndADefaultRoute) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sh", "-c", "ip -4 -o addr show dev eth0; ip route; cat /sys/class/net/eth0/mtu; ip -o link show lo"});
  Result r = minirun({"run", "-b", b.dir(), "addr"});
  ASSERT_EQ(r.code, 0) << r.err;
  Inet in = first_inet(r.out);
  EXPECT_EQ(in.address, "10.88.0.2") << r.out;
  EXPECT_EQ(in.prefix, "16");
  EXPECT_NE(r.out.find("default via 10.88.0.1 dev eth0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1500\n"), std::string::npos) << "eth0 MTU is the bridge's: " << r.out;
  EXPECT_NE(r.out.find("<LOOPBACK,UP"), std::string::npos) << "lo is up: " << r.out;
  EXPECT_TRUE(links().count("minirun0")) << "the bridge stays after delete";
  EXPECT_EQ(links().size(), 2u) << "only lo and minirun0 are left: the veth is gone";
  expect_no_leftovers("addr");
}

TEST_F(NetworkTest, PingsTheGatewayAndAnotherContainer) {
  Bundle b;
  enable_bridge(b);
  add_cap(b.config, "CAP_NET_RAW");
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "peer"}).code, 0);
  const std::string peer = eth0_of("peer").address;
  ASSERT_FALSE(peer.empty());
  b.set_args({"sh", "-c", "ping -c1 -W3 10.88.0.1 && ping -c1 -W3 " + peer});
  Result r = minirun({"run", "-b", b.dir(), "pinger"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("100% packet loss"), std::string::npos) << r.out;
  EXPECT_EQ(minirun({"delete", "--force", "peer"}).code, 0);
  expect_no_leftovers("peer");
  expect_no_leftovers("pinger");
}

TEST_F(NetworkTest, TwentyConcurrentContainersGetDistinctAddresses) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sleep", "300"});
  constexpr int kCount = 20;
  std::vector<std::thread> threads;
  std::vector<Result> results(kCount);
  for (int i = 0; i < kCount; ++i)
    threads.emplace_back([&, i] { results[i] = minirun({"run", "-d", "-b", b.dir(), "c" + std::to_string(i)}); });
  for (auto& t : threads) t.join();
  std::set<std::string> addresses;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(results[i].code, 0) << "c" << i << ": " << results[i].err;
    Inet in = eth0_of("c" + std::to_string(i));
    EXPECT_EQ(in.address.rfind("10.88.0.", 0), 0u) << in.address;
    addresses.insert(in.address);
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kCount)) << "addresses were handed out twice";
  EXPECT_FALSE(addresses.count("10.88.0.1")) << "the gateway was handed out";
  EXPECT_EQ(links().size(), 2u + kCount) << "one host veth per container";
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(minirun({"delete", "--force", "c" + std::to_string(i)}).code, 0);
  EXPECT_EQ(links().size(), 2u) << "host veths left after delete";
  EXPECT_EQ(read_text(root_ + "/network/minirun0.leases"), "") << "leases left after delete";
}

TEST_F(NetworkTest, DeleteReleasesTheAddressAndTheVeth) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "first"}).code, 0);
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "second"}).code, 0);
  EXPECT_EQ(eth0_of("first").address, "10.88.0.2");
  EXPECT_EQ(eth0_of("second").address, "10.88.0.3");
  EXPECT_EQ(links().size(), 4u);
  ASSERT_EQ(minirun({"delete", "--force", "first"}).code, 0);
  EXPECT_EQ(links().size(), 3u) << "the host veth of a deleted container stays";
  expect_no_leftovers("first");
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "third"}).code, 0);
  EXPECT_EQ(eth0_of("third").address, "10.88.0.2") << "the deleted container's address was not released";
}

TEST_F(NetworkTest, FailedCreateReleasesTheAddressAndTheVeth) {
  Bundle b;
  enable_bridge(b);
  // The network is set up before the rootfs: this mount fails after it.
  b.config["mounts"].push_back(
      {{"destination", "/mnt"}, {"type", "bind"}, {"source", "/nonexistent/src"}, {"options", {"bind"}}});
  b.set_args({"true"});
  Result r = minirun({"create", "-b", b.dir(), "broken"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/src"), std::string::npos) << r.err;
  ASSERT_TRUE(links().count("minirun0")) << "the network was never set up: the test proves nothing";
  EXPECT_EQ(links().size(), 2u) << "veth left after a failed create";
  EXPECT_EQ(read_text(root_ + "/network/minirun0.leases"), "");
  expect_no_leftovers("broken");
  b.config["mounts"].erase(b.config["mounts"].size() - 1);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "fine"}).code, 0);
  EXPECT_EQ(eth0_of("fine").address, "10.88.0.2");
}

TEST_F(NetworkTest, GeneratedFilesMatchNameAndAddressOnOverlay) {
  Bundle b(true);
  enable_bridge(b);
  b.config["annotations"]["run.minirun.rootfs.overlay"] = "true";
  b.config["hostname"] = "web1";
  const std::string hosts_before = read_text(b.rootfs() + "/etc/hosts");
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "named"}).code, 0);
  const std::string addr = eth0_of("named").address;
  Result r = minirun({"exec", "named", "cat", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(addr + "\tweb1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("127.0.0.1\tlocalhost\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nweb1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nameserver 10.88.0.1\n"), std::string::npos) << r.out;
  EXPECT_NE(read_text(root_ + "/named/upper/etc/hosts").find(addr), std::string::npos) << "not in the upper layer";
  EXPECT_EQ(read_text(b.rootfs() + "/etc/hosts"), hosts_before) << "the bundle was modified";
  EXPECT_EQ(minirun({"exec", "named", "sh", "-c", "grep ' /etc/hosts ' /proc/self/mountinfo"}).code, 1)
      << "on an overlay the files are written, not bind-mounted";
}

TEST_F(NetworkTest, GeneratedFilesAreBindMountedOnAPlainRootfs) {
  Bundle b(true);
  enable_bridge(b);
  const std::string rootfs = b.rootfs();
  std::map<std::string, std::string> before;
  for (const char* f : {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}) before[f] = read_text(rootfs + f);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "plain"}).code, 0);
  const std::string addr = eth0_of("plain").address;
  Result r = minirun({"exec", "plain", "cat", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"});
  ASSERT_EQ(r.code, 0) << r.err;
  // No config hostname was set by the test... `minirun spec` sets "runc".
  const std::string name = b.config.value("hostname", std::string("plain"));
  EXPECT_NE(r.out.find(addr + "\t" + name + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n" + name + "\nnameserver 10.88.0.1\n"), std::string::npos) << r.out;
  EXPECT_EQ(minirun({"exec", "plain", "sh", "-c", "echo x >> /etc/hosts"}).code, 0);
  for (const auto& [f, text] : before) EXPECT_EQ(read_text(rootfs + f), text) << f << ": the bundle was modified";
  EXPECT_EQ(minirun({"delete", "--force", "plain"}).code, 0);
  for (const auto& [f, text] : before) EXPECT_EQ(read_text(rootfs + f), text) << f << ": the bundle was modified";
  expect_no_leftovers("plain");
}

// A plain rootfs without /etc/hostname: no mountpoint is made in the bundle.
TEST_F(NetworkTest, PlainRootfsLackingAFileIsNotModified) {
  Bundle b(true);
  enable_bridge(b);
  remove_tree(b.rootfs() + "/etc/hostname");
  b.set_args({"sh", "-c", "cat /etc/hosts; test -e /etc/hostname && echo hostname-exists; true"});
  Result r = minirun({"run", "-b", b.dir(), "lacking"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("10.88.0.2\t"), std::string::npos) << "the other files are still there: " << r.out;
  EXPECT_EQ(r.out.find("hostname-exists"), std::string::npos) << r.out;
  EXPECT_FALSE(path_exists(b.rootfs() + "/etc/hostname")) << "a mountpoint was made in the bundle";
  expect_no_leftovers("lacking");
}

TEST_F(NetworkTest, NoneGivesOnlyLoopbackUp) {
  Bundle b;
  b.config["annotations"]["run.minirun.network"] = "none";
  b.set_args({"sh", "-c", "ip -o link; ip -4 -o addr"});
  Result r = minirun({"run", "-b", b.dir(), "nonet"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << "only lo: " << r.out;
  EXPECT_NE(lines[0].find(": lo: <LOOPBACK,UP"), std::string::npos) << r.out;
  EXPECT_NE(lines[1].find("inet 127.0.0.1/8"), std::string::npos) << r.out;
  EXPECT_FALSE(links().count("minirun0")) << "none made a bridge";
  expect_no_leftovers("nonet");
}

TEST_F(NetworkTest, ANetnsPathIsJoined) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "owner"}).code, 0);
  const std::string addr = eth0_of("owner").address;
  Result st = minirun({"state", "owner"});
  const int pid = nlohmann::json::parse(st.out).value("pid", 0);
  ASSERT_GT(pid, 0);
  Bundle joiner;
  joiner.config["annotations"]["run.minirun.network"] = "/proc/" + std::to_string(pid) + "/ns/net";
  joiner.set_args({"ip", "-4", "-o", "addr", "show", "dev", "eth0"});
  Result r = minirun({"run", "-b", joiner.dir(), "joiner"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(first_inet(r.out).address, addr) << "not in the owner's netns: " << r.out;
  EXPECT_EQ(links().size(), 3u) << "joining made another veth";
  expect_no_leftovers("joiner");

  joiner.config["annotations"]["run.minirun.network"] = "/proc/self/ns/mnt";
  joiner.save();
  Result bad = minirun({"run", "-b", joiner.dir(), "badjoin"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("not a network namespace"), std::string::npos) << bad.err;
  expect_no_leftovers("badjoin");
}

TEST_F(NetworkTest, CustomBridgeSubnetAndMtu) {
  Bundle b;
  enable_bridge(b);
  b.config["annotations"]["run.minirun.network.bridge"] = "mrtest0";
  b.config["annotations"]["run.minirun.network.subnet"] = "10.99.5.0/24";
  b.config["annotations"]["run.minirun.network.mtu"] = "1400";
  b.set_args({"sh", "-c", "ip -4 -o addr show dev eth0; ip route; cat /sys/class/net/eth0/mtu"});
  Result r = minirun({"run", "-b", b.dir(), "custom"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(first_inet(r.out).address, "10.99.5.2") << r.out;
  EXPECT_EQ(first_inet(r.out).prefix, "24") << r.out;
  EXPECT_NE(r.out.find("default via 10.99.5.1 dev eth0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1400\n"), std::string::npos) << r.out;
  EXPECT_TRUE(links().count("mrtest0"));
  EXPECT_FALSE(links().count("minirun0"));
  Result host = run_command({"ip", "-4", "-o", "addr", "show", "dev", "mrtest0"});
  EXPECT_NE(host.out.find("inet 10.99.5.1/24"), std::string::npos) << "gateway on the bridge: " << host.out;

  b.config["annotations"]["run.minirun.network.subnet"] = "10.99.5.1/24";
  b.save();
  Result bad = minirun({"run", "-b", b.dir(), "badsubnet"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("10.99.5.1/24"), std::string::npos) << bad.err;
  expect_no_leftovers("badsubnet");
}

TEST_F(NetworkTest, ExecSeesEth0) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sleep", "300"});
  ASSERT_EQ(minirun({"create", "-b", b.dir(), "ex"}).code, 0);
  ASSERT_EQ(minirun({"start", "ex"}).code, 0);
  Result r = minirun({"exec", "ex", "cat", "/sys/class/net/eth0/address", "/proc/net/route"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("eth0\t00000000\t"), std::string::npos) << "default route via eth0: " << r.out;
  EXPECT_EQ(eth0_of("ex").address, "10.88.0.2");
}

}  // namespace
}  // namespace minirun::test
