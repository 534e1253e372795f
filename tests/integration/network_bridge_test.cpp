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
  EXPECT_EQ(with.config["root"]["readonly"], false) << "an overlay is there to be written to";
  EXPECT_EQ(with.config["linux"]["sysctl"], nlohmann::json({{"net.ipv4.ping_group_range", "0 2147483647"}}));
  Bundle plain;
  EXPECT_FALSE(plain.config.contains("annotations")) << plain.config["annotations"].dump();
  EXPECT_EQ(plain.config["root"]["readonly"], true);
  EXPECT_FALSE(plain.config["linux"].contains("sysctl"));
}

TEST_F(NetworkTest, SpecPublishWritesThePortsAnnotation) {
  Bundle b(false, {"--network", "bridge", "--publish", "8080:80", "--publish", "127.0.0.1:5353:53/udp"});
  EXPECT_EQ(b.config["annotations"]["run.minirun.network.ports"], "8080:80,127.0.0.1:5353:53/udp");
  const std::string dir = make_temp_dir("net-spec");
  Result bad = run_command({MINIRUN_BIN, "spec", "-b", dir, "--network", "bridge", "--publish", "80:x"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err,
            "minirun: spec: config.json: annotations[\"run.minirun.network.ports\"]: \"80:x\": invalid port "
            "\"x\"\n");
  Result alone = run_command({MINIRUN_BIN, "spec", "-b", dir, "--publish", "80:80"});
  EXPECT_EQ(alone.code, 1);
  EXPECT_NE(alone.err.find("needs run.minirun.network: bridge"), std::string::npos) << alone.err;
  EXPECT_FALSE(path_exists(dir + "/config.json"));
  remove_tree(dir);
}

TEST_F(NetworkTest, Eth0HasAnAddressInTheSubnetAndADefaultRoute) {
  Bundle b;
  enable_bridge(b);
  b.set_args({"sh", "-c", "ip -4 -o addr show dev eth0; ip route; cat /sys/class/net/eth0/mtu; ip -o link show lo"});
  Result r = minirun({"run", "-b", b.dir(), "addr"});
  ASSERT_EQ(r.code, 0) << r.err;
  Inet in = first_inet(r.out);
  EXPECT_EQ(in.address, "10.213.0.2") << r.out;
  EXPECT_EQ(in.prefix, "16");
  EXPECT_NE(r.out.find("default via 10.213.0.1 dev eth0"), std::string::npos) << r.out;
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
  b.set_args({"sh", "-c", "ping -c1 -W3 10.213.0.1 && ping -c1 -W3 " + peer});
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
    EXPECT_EQ(in.address.rfind("10.213.0.", 0), 0u) << in.address;
    addresses.insert(in.address);
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kCount)) << "addresses were handed out twice";
  EXPECT_FALSE(addresses.count("10.213.0.1")) << "the gateway was handed out";
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
  EXPECT_EQ(eth0_of("first").address, "10.213.0.2");
  EXPECT_EQ(eth0_of("second").address, "10.213.0.3");
  EXPECT_EQ(links().size(), 4u);
  ASSERT_EQ(minirun({"delete", "--force", "first"}).code, 0);
  EXPECT_EQ(links().size(), 3u) << "the host veth of a deleted container stays";
  expect_no_leftovers("first");
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "third"}).code, 0);
  EXPECT_EQ(eth0_of("third").address, "10.213.0.2") << "the deleted container's address was not released";
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
  EXPECT_EQ(eth0_of("fine").address, "10.213.0.2");
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
  EXPECT_NE(r.out.find("nameserver 10.213.0.1\n"), std::string::npos) << r.out;
  EXPECT_NE(read_text(root_ + "/named/overlay/upper/etc/hosts").find(addr), std::string::npos) << "not in the upper layer";
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
  EXPECT_NE(r.out.find("\n" + name + "\nnameserver 10.213.0.1\n"), std::string::npos) << r.out;
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
  EXPECT_NE(r.out.find("10.213.0.2\t"), std::string::npos) << "the other files are still there: " << r.out;
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
  EXPECT_EQ(eth0_of("ex").address, "10.213.0.2");
}

// Issue 19: NAT out, published ports, minirun's own nftables table.  The
// test's private netns plays the host; an "upstream" netns behind a veth
// plays the outside world (192.0.2.2, TEST-NET-1, with a busybox httpd whose
// CGI answers with the address it sees).  Nothing leaves these namespaces.
class NatTest : public NetworkTest {
 protected:
  static constexpr const char* kHost = "192.0.2.1";
  static constexpr const char* kUpstream = "192.0.2.2";

  void SetUp() override {
    NetworkTest::SetUp();
    if (HasFatalFailure()) return;
    if (run_command({"nft", "--version"}).code != 0) GTEST_SKIP() << "no nft binary to read the ruleset with";
    if (run_command({"ip", "netns", "help"}).code == 127) GTEST_SKIP() << "no ip netns";
    upstream_ = "net-up" + std::to_string(getpid());
    ip({"netns", "add", upstream_});
    ip({"link", "add", "net-upl", "type", "veth", "peer", "name", "eth0", "netns", upstream_});
    ip({"addr", "add", std::string(kHost) + "/24", "dev", "net-upl"});
    ip({"link", "set", "net-upl", "up"});
    ip({"-n", upstream_, "addr", "add", std::string(kUpstream) + "/24", "dev", "eth0"});
    ip({"-n", upstream_, "link", "set", "eth0", "up"});
    ip({"-n", upstream_, "link", "set", "lo", "up"});
    www_ = make_temp_dir("net-www");
    ASSERT_EQ(run_command({"mkdir", "-p", www_ + "/cgi-bin"}).code, 0);
    write(www_ + "/cgi-bin/addr",
          "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nseen %s\\n' \"$REMOTE_ADDR\"\n");
    ASSERT_EQ(run_command({"chmod", "755", www_ + "/cgi-bin/addr"}).code, 0);
    ip({"netns", "exec", upstream_, "busybox", "httpd", "-p", std::string(kUpstream) + ":80", "-h", www_});
  }
  void TearDown() override {
    if (!upstream_.empty()) {
      for (const auto& pid : split_lines(run_command({"ip", "netns", "pids", upstream_}).out))
        run_command({"kill", "-9", pid});
      run_command({"ip", "netns", "del", upstream_});
    }
    if (!www_.empty()) remove_tree(www_);
    NetworkTest::TearDown();
  }

  void ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    Result r = run_command(argv);
    ASSERT_EQ(r.code, 0) << "ip " << args[0] << ": " << r.err;
  }
  static void write(const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr) << path;
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
  static std::string ruleset() { return run_command({"nft", "list", "ruleset"}).out; }
  // The ruleset without minirun's table: what must never change.
  static std::string others(const std::string& rules) {
    std::regex ours("table inet minirun \\{\n(\t[^\n]*\n|\n)*\\}\n");
    return std::regex_replace(rules, ours, "");
  }
  // An HTTP GET with busybox nc (its wget crashes on Debian 12) from the
  // test's ("host") netns: the body, or "" after a few tries.
  static std::string http_get(const std::string& host, const std::string& port, const std::string& path = "/") {
    for (int i = 0; i < 50; ++i) {
      Result r = run_command({"busybox", "nc", "-w", "3", host, port}, "GET " + path + " HTTP/1.0\r\n\r\n", 10);
      if (auto at = r.out.find("\r\n\r\n"); r.code == 0 && at != std::string::npos) return r.out.substr(at + 4);
      usleep(100 * 1000);
    }
    return "";
  }
  // The same inside a container's shell.
  static std::string get_in_sh(const std::string& host, const std::string& port, const std::string& path = "/") {
    return "printf 'GET " + path + " HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 " + host + " " + port;
  }
  // A container serving "hello from ID" on port 80, publishing `ports`.
  void start_server(Bundle& b, const std::string& id, const std::string& ports) {
    ASSERT_EQ(run_command({"mkdir", "-p", b.rootfs() + "/www"}).code, 0);
    write(b.rootfs() + "/www/index.html", "hello from " + id + "\n");
    b.config["annotations"]["run.minirun.network.ports"] = ports;
    b.set_args({"httpd", "-f", "-p", "80", "-h", "/www"});
    Result r = minirun({"run", "-d", "-b", b.dir(), id});
    ASSERT_EQ(r.code, 0) << r.err;
  }

  std::string upstream_, www_;
};

// The user: `minirun spec --overlay --network bridge`, then run.
TEST_F(NatTest, WritableOverlayPingAndMasqueradedWayOut) {
  Bundle b(true, {"--overlay", "--network", "bridge"});
  // probe ping: an ICMP datagram socket, as ping uses without CAP_NET_RAW
  // (Debian's busybox ping only tries a raw socket).
  b.set_args(
      {"sh", "-c",
       "echo x > /newfile && cat /newfile && probe ping 10.213.0.1 && " + get_in_sh(kUpstream, "80", "/cgi-bin/addr")});
  Result r = minirun({"run", "-b", b.dir(), "net-out"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 5), "x\nok\n") << "writable root, ping without CAP_NET_RAW: " << r.out;
  EXPECT_NE(r.out.find("\r\n\r\nseen " + std::string(kHost) + "\n"), std::string::npos)
      << "upstream did not see the host's address: " << r.out;
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/ip_forward"), "1\n");
  expect_no_leftovers("net-out");
}

TEST_F(NatTest, PublishedPortAnswersFromOutsideTheHostAndAnotherContainer) {
  const std::string before = ruleset();
  Bundle b(true);
  enable_bridge(b);
  start_server(b, "net-web", "8080:80");
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(http_get(kHost, "8080"), "hello from net-web\n") << "from the host";
  EXPECT_EQ(http_get("127.0.0.1", "8080"), "hello from net-web\n") << "from the host via 127.0.0.1";
  Result outside = run_command({"ip", "netns", "exec", upstream_, "sh", "-c", get_in_sh(kHost, "8080")});
  EXPECT_NE(outside.out.find("\r\n\r\nhello from net-web\n"), std::string::npos) << "from upstream: " << outside.err;
  Bundle client;
  enable_bridge(client);
  client.set_args({"sh", "-c", get_in_sh("10.213.0.1", "8080") + " && " + get_in_sh(kHost, "8080")});
  Result hairpin = minirun({"run", "-b", client.dir(), "net-client"});
  EXPECT_EQ(hairpin.code, 0) << hairpin.err;
  auto first = hairpin.out.find("\r\n\r\nhello from net-web\n");
  EXPECT_NE(first, std::string::npos) << "from a container on the bridge: " << hairpin.out;
  EXPECT_NE(hairpin.out.find("\r\n\r\nhello from net-web\n", first + 1), std::string::npos)
      << "from a container on the bridge via the host's address: " << hairpin.out;
  ASSERT_EQ(minirun({"delete", "--force", "net-web"}).code, 0);
  EXPECT_EQ(ruleset().find("8080"), std::string::npos) << ruleset();
  EXPECT_EQ(others(ruleset()), others(before));
  expect_no_leftovers("net-web");
}

TEST_F(NatTest, APortPublishedTwiceFailsAndNoRuleOfAFailedCreateStays) {
  // A ruleset of the "host's" own, which minirun must leave alone.
  ASSERT_EQ(run_command({"nft",
                         "add table ip hostfw; add chain ip hostfw input { type filter hook input priority 0; "
                         "policy accept; }; add rule ip hostfw input tcp dport 9999 accept"})
                .code,
            0);
  const std::string before = ruleset();
  Bundle b(true);
  enable_bridge(b);
  start_server(b, "net-a", "8080:80,5353:53/udp");
  ASSERT_FALSE(HasFatalFailure());
  std::string with_a = ruleset();
  EXPECT_NE(with_a.find("comment \"net-a\""), std::string::npos) << with_a;

  b.config["annotations"]["run.minirun.network.ports"] = "9090:80,8080:80";
  b.save();
  Result second = minirun({"create", "-b", b.dir(), "net-b"});
  EXPECT_EQ(second.code, 1);
  EXPECT_EQ(second.err,
            "minirun: create net-b: network: minirun-nft: publish net-b: port 8080/tcp is already published by "
            "container net-a\n");
  EXPECT_EQ(ruleset(), with_a) << "the failed create left a rule";
  expect_no_leftovers("net-b");

  // Published, then failing later in create: the rules go with it.
  b.config["annotations"]["run.minirun.network.ports"] = "9090:80";
  b.config["mounts"].push_back(
      {{"destination", "/mnt"}, {"type", "bind"}, {"source", "/nonexistent/src"}, {"options", {"bind"}}});
  b.save();
  Result broken = minirun({"create", "-b", b.dir(), "net-c"});
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.err.find("/nonexistent/src"), std::string::npos) << broken.err;
  EXPECT_EQ(ruleset(), with_a) << "the failed create left a rule";
  expect_no_leftovers("net-c");

  ASSERT_EQ(minirun({"delete", "--force", "net-a"}).code, 0);
  std::string after = ruleset();
  EXPECT_EQ(after.find("net-a"), std::string::npos) << after;
  EXPECT_EQ(after.find("8080"), std::string::npos) << after;
  EXPECT_NE(after.find("table inet minirun"), std::string::npos) << "the bridge's table stays with the bridge";
  EXPECT_EQ(others(after), others(before)) << "minirun changed rules outside its table";
  EXPECT_NE(others(after).find("tcp dport 9999 accept"), std::string::npos) << "the test's own rules are gone";
}

// Podman's default network on another interface: the bridge does not take
// its subnet, and a bridge subnet someone routes is a clear error.
TEST_F(NatTest, APodmanRouteIsLeftAloneAndATakenSubnetIsRefused) {
  ip({"link", "add", "net-pod0", "type", "bridge"});
  ip({"addr", "add", "10.88.0.1/16", "dev", "net-pod0"});
  ip({"link", "set", "net-pod0", "up"});
  Bundle b;
  enable_bridge(b);
  b.set_args({"true"});
  ASSERT_EQ(minirun({"run", "-b", b.dir(), "net-fine"}).code, 0);
  EXPECT_NE(run_command({"ip", "route", "get", "10.88.0.10"}).out.find("dev net-pod0"), std::string::npos)
      << "podman's containers are no longer routed to podman's bridge";

  ip({"route", "add", "10.214.0.0/16", "dev", "net-pod0"});
  b.config["annotations"]["run.minirun.network.bridge"] = "net-br1";
  b.config["annotations"]["run.minirun.network.subnet"] = "10.214.0.0/24";
  b.save();
  Result taken = minirun({"run", "-b", b.dir(), "net-taken"});
  EXPECT_EQ(taken.code, 1);
  EXPECT_EQ(taken.err,
            "minirun: run net-taken: network: subnet 10.214.0.0/24 of bridge net-br1 overlaps 10.214.0.0/16 on "
            "net-pod0; pick another with the annotation run.minirun.network.subnet\n");
  EXPECT_FALSE(links().count("net-br1")) << "the bridge was made anyway";
  expect_no_leftovers("net-taken");
}

}  // namespace
}  // namespace minirun::test
