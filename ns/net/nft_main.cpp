// minirun-nft: the nftables half of the bridge network, run by minirun
// (runtime/companion.h) only when a rule must change.  Everything lives in
// one table of minirun's own, `inet minirun`; the host's other tables are
// never read or written.
//
//   minirun-nft bridge NAME SUBNET   the table, its chains and rules (made
//                                    again if missing), NAME and SUBNET
//                                    added to the sets they match on
//   minirun-nft publish ID           stdin: one "PROTO HOST_IP HOST_PORT
//   minirun-nft unpublish ID         ADDRESS PORT" a line (HOST_IP "*":
//                                    every local address)
//
// The rules are fixed; what changes per bridge and per container are set
// and map elements.  A container's published ports are elements of the
// maps `ports` (any local address) and `ports_at` (one address), carrying
// the container id as their comment, so `nft list ruleset` shows whose they
// are and unpublish removes exactly them.  publish is one transaction: a
// port already in a map fails it whole, and nothing of it stays.
//
// Errors: one line on stderr ("publish c2: port 8080/tcp is already
// published by container c1"), exit status 1.
#include <arpa/inet.h>
#include <nftables/libnftables.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Names reach the nft parser inside quotes: allow only what minirun itself
// allows in container ids and interface names.
std::string checked_name(const std::string& what, const std::string& s) {
  bool ok = !s.empty() && s.size() <= 1024;
  for (char c : s)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.');
  if (!ok) throw Failure("invalid " + what + " \"" + s + "\"");
  return s;
}

std::string checked_ipv4(const std::string& s) {
  in_addr a;
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) throw Failure("invalid IPv4 address \"" + s + "\"");
  return s;
}

std::string checked_subnet(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) throw Failure("invalid subnet \"" + s + "\"");
  checked_ipv4(s.substr(0, slash));
  char* end;
  long len = std::strtol(s.c_str() + slash + 1, &end, 10);
  if (*end || end == s.c_str() + slash + 1 || len < 0 || len > 32) throw Failure("invalid subnet \"" + s + "\"");
  return s;
}

std::string checked_port(const std::string& s) {
  char* end;
  long p = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end || p < 1 || p > 65535) throw Failure("invalid port \"" + s + "\"");
  return s;
}

class Nft {
 public:
  Nft() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free) {
    if (!ctx_) throw Failure("libnftables: out of memory");
    nft_ctx_buffer_output(ctx_.get());
    nft_ctx_buffer_error(ctx_.get());
  }
  // Runs `script` as one transaction.  Returns false with the first line of
  // nft's complaint in `error` ("Error: Could not process rule: File exists").
  bool run(const std::string& script, std::string& error) {
    if (nft_run_cmd_from_buffer(ctx_.get(), script.c_str()) == 0) return true;
    std::string text = nft_ctx_get_error_buffer(ctx_.get());
    error = text.substr(0, text.find('\n'));
    if (error.rfind("Error: ", 0) == 0) error.erase(0, 7);
    return false;
  }
  void run(const std::string& script) {
    std::string error;
    if (!run(script, error)) throw Failure("nftables: " + error);
  }
  std::string output() { return nft_ctx_get_output_buffer(ctx_.get()); }

 private:
  std::unique_ptr<nft_ctx, void (*)(nft_ctx*)> ctx_;
};

constexpr const char* kTable = "inet minirun";

// The table's fixed part.  `add` of what exists is a no-op and the chains
// are flushed before their rules go in, so this is safe to run again (after
// a bridge is made anew, or someone flushed the ruleset).
std::string table_script() {
  const std::string t = kTable;
  std::string s;
  s += "add table " + t + "\n";
  s += "add set " + t + " bridges { type ifname; }\n";
  s += "add set " + t + " subnets { type ipv4_addr; flags interval; }\n";
  s += "add map " + t + " ports { type inet_proto . inet_service : ipv4_addr . inet_service; }\n";
  s += "add map " + t + " ports_at { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n";
  // raw: before conntrack, so nothing from a bridge reaches the host's
  // loopback addresses (the bridge has route_localnet on, for the DNAT of
  // 127.0.0.1:PORT; the guard against CVE-2020-8558).
  s += "add chain " + t + " guard { type filter hook prerouting priority raw; policy accept; }\n";
  s += "add chain " + t + " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n";
  s += "add chain " + t + " output { type nat hook output priority -100; policy accept; }\n";
  s += "add chain " + t + " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n";
  for (const char* c : {"guard", "prerouting", "output", "postrouting"}) s += "flush chain " + t + " " + c + "\n";
  s += "add rule " + t + " guard iifname @bridges ip daddr 127.0.0.0/8 drop\n";
  // Published ports: to any local address of the host, from outside
  // (prerouting) and from the host itself (output).
  for (const char* c : {"prerouting", "output"}) {
    const std::string match = "add rule " + t + " " + c + " fib daddr type local meta l4proto { tcp, udp } ";
    s += match + "dnat ip to ip daddr . meta l4proto . th dport map @ports_at\n";
    s += match + "dnat ip to meta l4proto . th dport map @ports\n";
  }
  // Out of a bridge's subnet to anywhere but a bridge: the host's address.
  s += "add rule " + t + " postrouting ip saddr @subnets oifname != @bridges masquerade\n";
  // Hairpin: a container (or the host via 127.0.0.1) reaching a published
  // port of a container on the bridge; the answer must come back through
  // the host to be un-DNATed, so it must be addressed to the host.
  s += "add rule " + t + " postrouting oifname @bridges ct status dnat ip saddr @subnets masquerade\n";
  s += "add rule " + t + " postrouting oifname @bridges ct status dnat ip saddr 127.0.0.0/8 masquerade\n";
  return s;
}

struct Port {
  std::string proto, host_ip, host_port, address, port;

  std::string key() const { return (host_ip == "*" ? "" : host_ip + " . ") + proto + " . " + host_port; }
  std::string map() const { return host_ip == "*" ? "ports" : "ports_at"; }
  std::string describe() const { return (host_ip == "*" ? "" : host_ip + ":") + host_port + "/" + proto; }
};

std::vector<Port> read_ports() {
  std::vector<Port> out;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::istringstream in(line);
    Port p;
    std::string extra;
    if (!(in >> p.proto >> p.host_ip >> p.host_port >> p.address >> p.port) || (in >> extra))
      throw Failure("invalid port line \"" + line + "\"");
    if (p.proto != "tcp" && p.proto != "udp") throw Failure("invalid protocol \"" + p.proto + "\"");
    if (p.host_ip != "*") checked_ipv4(p.host_ip);
    checked_port(p.host_port);
    checked_ipv4(p.address);
    checked_port(p.port);
    out.push_back(p);
  }
  return out;
}

// Who holds the element of p, from its comment; "" when nobody does.
std::string holder(Nft& nft, const Port& p) {
  std::string ignored;
  if (!nft.run("get element " + std::string(kTable) + " " + p.map() + " { " + p.key() + " }", ignored)) return "";
  std::smatch m;
  std::string out = nft.output();
  if (std::regex_search(out, m, std::regex("comment \"([^\"]*)\""))) return m[1];
  return "?";
}

void publish(const std::string& id, const std::vector<Port>& ports) {
  Nft nft;
  std::string script;
  for (const auto& p : ports) {
    // nft keeps at most 128 bytes of a comment.
    script += "create element " + std::string(kTable) + " " + p.map() + " { " + p.key() + " comment \"" +
              id.substr(0, 127) + "\" : " + p.address + " . " + p.port + " }\n";
  }
  if (script.empty()) return;
  std::string error;
  if (nft.run(script, error)) return;
  for (const auto& p : ports) {
    std::string who = holder(nft, p);
    if (!who.empty()) throw Failure("port " + p.describe() + " is already published by container " + who);
  }
  throw Failure("nftables: " + error);
}

// Removes what is there; an element already gone is no error.
void unpublish(const std::vector<Port>& ports) {
  Nft nft;
  std::string failed;
  for (const auto& p : ports) {
    std::string error;
    std::string cmd = "delete element " + std::string(kTable) + " " + p.map() + " { " + p.key() + " }";
    if (!nft.run(cmd, error) && error.find("No such file or directory") == std::string::npos) failed = error;
  }
  if (!failed.empty()) throw Failure("nftables: " + failed);
}

int usage() {
  std::cerr << "usage: minirun-nft bridge NAME SUBNET | publish ID | unpublish ID (ports on stdin)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string& cmd = args[0];
  try {
    if (cmd == "bridge" && args.size() == 3) {
      const std::string name = checked_name("bridge name", args[1]), subnet = checked_subnet(args[2]);
      Nft().run(table_script() + "add element " + kTable + " bridges { \"" + name + "\" }\nadd element " + kTable +
                " subnets { " + subnet + " }\n");
    } else if (cmd == "publish" && args.size() == 2) {
      publish(checked_name("container id", args[1]), read_ports());
    } else if (cmd == "unpublish" && args.size() == 2) {
      checked_name("container id", args[1]);
      unpublish(read_ports());
    } else {
      return usage();
    }
  } catch (const std::exception& e) {
    std::cerr << cmd << (args.size() > 1 ? " " + args[1] : "") << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
