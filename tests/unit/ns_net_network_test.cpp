// The bridge network, for real.  Every test runs in a network namespace it
// made itself (the "host"), with containers in further namespaces below it,
// so nothing touches the machine's interfaces and no packet leaves it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <mutex>
#include <thread>

#include "ns/net/leases.h"
#include "ns/net/links.h"
#include "ns/net/network.h"
#include "ns/net/veth_names.h"
#include "spec/error.h"

namespace minirun::ns {
namespace {

#define SKIP_UNLESS_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (creates network namespaces)"

// Inside forked processes gtest assertions would be lost: throw instead.
void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Runs body in a forked child and returns its report: "" means it passed.
std::string in_child(const std::function<std::string()>& body) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    ::close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(120);  // a hung test fails instead of hanging the suite
    std::string report;
    try {
      report = body();
    } catch (const std::exception& e) {
      report = e.what();
    }
    write_all(p[1], report);
    _exit(0);
  }
  ::close(p[1]);
  std::string report = read_all(p[0]);
  ::close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += " (child " + describe_status(status) + ")";
  return report;
}

// The test's own "host": a fresh network namespace for the whole body.
std::string in_private_host(const std::function<std::string()>& body) {
  return in_child([&] {
    check(unshare(CLONE_NEWNET) == 0, std::string("unshare(CLONE_NEWNET): ") + strerror(errno));
    return body();
  });
}

// A "container": a process in its own netns that waits until told to run
// `inside`, then reports what it returned.
class Container {
 public:
  explicit Container(std::function<std::string()> inside, std::function<void()> prepare = {}) {
    int go[2], report[2];
    check(pipe2(go, O_CLOEXEC) == 0 && pipe2(report, O_CLOEXEC) == 0, "pipe");
    pid_ = fork();
    check(pid_ >= 0, "fork");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(go[1]);
      ::close(report[0]);
      std::string out = "R";
      try {
        check(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) in container");
        if (prepare) prepare();
        write_all(report[1], "R");
        char c;
        out = ::read(go[0], &c, 1) == 1 ? inside() : "";
      } catch (const std::exception& e) {
        out += std::string("container: ") + e.what();
      }
      write_all(report[1], out);
      _exit(0);
    }
    ::close(go[0]);
    ::close(report[1]);
    go_ = go[1];
    report_ = report[0];
    char c = 0;
    if (::read(report_, &c, 1) != 1 || c != 'R') throw std::runtime_error("container did not start");
  }
  ~Container() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (go_ >= 0) ::close(go_);
    if (report_ >= 0) ::close(report_);
  }
  pid_t pid() const { return pid_; }

  std::string finish() {
    write_all(go_, "G");
    std::string out = read_all(report_);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return out;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1, report_ = -1;
};

std::string interface_address(const std::string& name) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(s, SIOCGIFADDR, &ifr);
  ::close(s);
  if (rc < 0) return std::string("<") + strerror(errno) + ">";
  return inet_ntoa(reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr)->sin_addr);
}

unsigned interface_flags_and_mtu(const std::string& name, int* mtu) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  unsigned flags = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 ? static_cast<unsigned short>(ifr.ifr_flags) : 0;
  if (mtu) *mtu = ioctl(s, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : -1;
  ::close(s);
  return flags;
}

// "eth0 via 10.88.0.1" from /proc/net/route, which shows the reader's netns.
std::string default_route() {
  std::ifstream in("/proc/net/route");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string iface, dest, gw;
    f >> iface >> dest >> gw;
    if (dest == "00000000") {
      in_addr a{static_cast<in_addr_t>(std::stoul(gw, nullptr, 16))};
      return iface + " via " + inet_ntoa(a);
    }
  }
  return "none";
}

// One UDP round trip to addr:port, retried while ARP and the bridge settle.
std::string udp_echo(const std::string& addr, uint16_t port, const std::string& msg) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{0, 200000};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  inet_pton(AF_INET, addr.c_str(), &to.sin_addr);
  std::string got = "<no answer>";
  for (int i = 0; i < 50; ++i) {
    sendto(s, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    char buf[256];
    ssize_t n = recv(s, buf, sizeof(buf), 0);
    if (n > 0) {
      got.assign(buf, static_cast<size_t>(n));
      break;
    }
  }
  ::close(s);
  return got;
}

// Answers datagrams on addr:port by echoing them, until `count` are served or 10 s pass.
std::thread udp_echo_server(const std::string& addr, uint16_t port, int count) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in me{};
  me.sin_family = AF_INET;
  me.sin_port = htons(port);
  inet_pton(AF_INET, addr.c_str(), &me.sin_addr);
  check(bind(s, reinterpret_cast<sockaddr*>(&me), sizeof(me)) == 0,
        "bind UDP server to " + addr + ": " + strerror(errno));
  timeval tv{10, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return std::thread([s, count] {
    for (int served = 0; served < count;) {
      char buf[256];
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      ssize_t n = recvfrom(s, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      sendto(s, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
      ++served;
    }
    ::close(s);
  });
}

// A state root that goes away with the test, passed or not.
class TempRoot {
 public:
  TempRoot() {
    char tmpl[] = "/tmp/ns_network_XXXXXX";
    check(mkdtemp(tmpl) != nullptr, "mkdtemp");
    path_ = tmpl;
  }
  ~TempRoot() { std::filesystem::remove_all(path_); }
  operator const std::string&() const { return path_; }

 private:
  std::string path_;
};

std::string lease_text(const std::string& root, const std::string& bridge) {
  std::ifstream in(leases::file_path(root, bridge));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool link_exists(const std::string& name) { return if_nametoindex(name.c_str()) != 0; }

const BridgeConfig kBridge{"mrtest0", "10.123.0.0/24", 0, {}};

// The nftables side is minirun-nft's (tested through the binary, in
// tests/integration/network_bridge_test.cpp); here only when ns asks for it.
// Concurrent setups call it from many threads.
struct RecordingFirewall : Firewall {
  std::mutex mutex;
  std::vector<std::string> calls;
  void record(const std::string& call) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.push_back(call);
  }
  void add_bridge(const std::string& bridge, const std::string& subnet) override {
    record("bridge " + bridge + " " + subnet);
  }
  void publish(const Lease& lease) override { record("publish " + lease.container_id); }
  void unpublish(const Lease& lease) override { record("unpublish " + lease.container_id); }
};
RecordingFirewall firewall;  // each test runs in a child of its own

TEST(BridgeNetwork, ContainerGetsAddressRouteAndReachesTheGateway) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              Container c([] {
                int mtu = 0;
                unsigned eth0 = interface_flags_and_mtu("eth0", &mtu);
                unsigned lo = interface_flags_and_mtu("lo", nullptr);
                return interface_address("eth0") + " mtu " + std::to_string(mtu) + " up " +
                       std::to_string((eth0 & IFF_UP) != 0) + " lo " + std::to_string((lo & IFF_UP) != 0) + " " +
                       default_route() + " echo " + udp_echo("10.123.0.1", 7777, "hello");
              });
              Lease lease = setup_bridge(c.pid(), "web-1", kBridge, root, firewall);
              check(lease.address == "10.123.0.2", "address " + lease.address);
              check(lease.gateway == "10.123.0.1" && lease.prefix_len == 24, "gateway " + lease.gateway);
              check(lease.host_veth == host_veth_name("web-1") && link_exists(lease.host_veth), "host veth");
              check(lease.mtu == 1500, "mtu " + std::to_string(lease.mtu));
              check(interface_address("mrtest0") == "10.123.0.1", "bridge address " + interface_address("mrtest0"));
              check(lease_text(root, "mrtest0") == "10.123.0.2 web-1\n", "lease file: " + lease_text(root, "mrtest0"));
              std::thread server = udp_echo_server("10.123.0.1", 7777, 1);
              std::string seen = c.finish();
              server.join();
              check(seen == "10.123.0.2 mtu 1500 up 1 lo 1 eth0 via 10.123.0.1 echo hello", "container saw: " + seen);
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, MtuFromConfigAndBridgeReused) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              BridgeConfig cfg = kBridge;
              cfg.mtu = 1400;
              Container a([] {
                int mtu = 0;
                interface_flags_and_mtu("eth0", &mtu);
                return std::to_string(mtu);
              });
              Container b([] { return interface_address("eth0"); });
              Lease la = setup_bridge(a.pid(), "a", cfg, root, firewall);
              Lease lb = setup_bridge(b.pid(), "b", kBridge, root, firewall);  // the bridge exists now
              check(la.mtu == 1400, "mtu " + std::to_string(la.mtu));
              std::string ma = a.finish(), ab = b.finish();
              check(ma == "1400", "a's eth0 mtu " + ma);
              check(ab == "10.123.0.3" && lb.address == ab, "b's address " + ab);
              // A bridge whose rules exist costs no companion call.
              check(firewall.calls == std::vector<std::string>{"bridge mrtest0 10.123.0.0/24"},
                    "firewall calls: " + std::to_string(firewall.calls.size()));
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, TwentyConcurrentSetupsGetDistinctAddresses) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              constexpr int n = 20;
              std::vector<std::unique_ptr<Container>> containers;
              for (int i = 0; i < n; ++i) {
                containers.push_back(std::make_unique<Container>([] {
                  return interface_address("eth0") + " " + udp_echo("10.123.0.1", 7777, "x");
                }));
              }
              std::vector<Lease> leases(n);
              std::vector<std::string> errors(n);
              std::vector<std::thread> threads;
              for (int i = 0; i < n; ++i) {
                threads.emplace_back([&, i] {
                  try {
                    leases[i] = setup_bridge(containers[i]->pid(), "c" + std::to_string(i), kBridge, root, firewall);
                  } catch (const std::exception& e) {
                    errors[i] = e.what();
                  }
                });
              }
              for (auto& t : threads) t.join();
              std::set<std::string> addresses;
              for (int i = 0; i < n; ++i) {
                check(errors[i].empty(), "setup " + std::to_string(i) + ": " + errors[i]);
                addresses.insert(leases[i].address);
              }
              check(addresses.size() == n, "addresses not distinct");
              std::thread server = udp_echo_server("10.123.0.1", 7777, n);
              for (int i = 0; i < n; ++i) {
                std::string seen = containers[i]->finish();
                check(seen == leases[i].address + " x", "container " + std::to_string(i) + " saw " + seen);
              }
              server.join();
              for (const auto& l : leases) teardown_bridge(l, root, firewall);
              check(lease_text(root, "mrtest0").empty(), "leases left: " + lease_text(root, "mrtest0"));
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, TeardownRemovesVethAndLeaseAndIsIdempotent) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              Container c([] { return std::string(); });
              Lease lease = setup_bridge(c.pid(), "gone", kBridge, root, firewall);
              check(link_exists(lease.host_veth), "veth missing after setup");
              teardown_bridge(lease, root, firewall);
              check(!link_exists(lease.host_veth), "veth left after teardown");
              check(lease_text(root, "mrtest0").empty(), "lease left: " + lease_text(root, "mrtest0"));
              teardown_bridge(lease, root, firewall);  // again: nothing to do, no error
              check(link_exists("mrtest0"), "the bridge stays");
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, FailureBeforeTheVethLeavesNothing) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              pid_t dead = fork();
              if (dead == 0) _exit(0);
              waitpid(dead, nullptr, 0);
              std::string error;
              try {
                setup_bridge(dead, "ghost", kBridge, root, firewall);
              } catch (const Error& e) {
                error = e.what();
              }
              check(error.find("network: netlink: RTM_NEWLINK veth " + host_veth_name("ghost") + ": No such process") ==
                        0,
                    "error: " + error);
              check(!link_exists(host_veth_name("ghost")), "veth left behind");
              check(lease_text(root, "mrtest0").empty(), "lease left: " + lease_text(root, "mrtest0"));
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, FailureInsideTheContainerUndoesVethAndLease) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              const TempRoot root;
              // An eth0 already in the container makes the rename fail after the veth exists.
              Container c([] { return std::string(); },
                          [] {
                            netlink::Socket nl;
                            links::create_bridge(nl, "eth0");
                          });
              std::string error;
              try {
                setup_bridge(c.pid(), "clash", kBridge, root, firewall);
              } catch (const Error& e) {
                error = e.what();
              }
              check(error.find("network: netlink: RTM_NEWLINK link eth0: File exists") == 0, "error: " + error);
              check(!link_exists(host_veth_name("clash")), "veth left behind");
              check(lease_text(root, "mrtest0").empty(), "lease left: " + lease_text(root, "mrtest0"));
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, LoopbackUp) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              Container c([] { return std::to_string((interface_flags_and_mtu("lo", nullptr) & IFF_UP) != 0); });
              loopback_up(c.pid());
              std::string up = c.finish();
              check(up == "1", "lo up: " + up);
              return std::string();
            }),
            "");
}

TEST(BridgeNetwork, SubnetErrorComesFirst) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(in_private_host([] {
              std::string error;
              try {
                setup_bridge(getpid(), "x", BridgeConfig{"mrtest0", "10.0.0.1/8", 0, {}}, "/nonexistent", firewall);
              } catch (const Error& e) {
                error = e.what();
              }
              check(error == "network: subnet 10.0.0.1/8: host bits are set (the network is 10.0.0.0/8)",
                    error);
              check(!link_exists("mrtest0"), "bridge made despite the bad subnet");
              return std::string();
            }),
            "");
}

}  // namespace
}  // namespace minirun::ns
