// `minirun check`'s network answers: a forked child unshares a network
// namespace and makes a bridge, a veth pair and asks nf_tables for its
// generation there; the namespace goes with the child.
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "ns/net/probe.h"

#include "ns/net/links.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::ns {

namespace {

std::string try_step(void (*step)(netlink::Socket&), netlink::Socket& nl) {
  try {
    step(nl);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

// NFT_MSG_GETGEN on NETLINK_NETFILTER: answered only when nf_tables is in
// the kernel (built in or loaded).
std::string ask_nftables() {
  UniqueFd s(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!s) return std::string("socket(NETLINK_NETFILTER): ") + std::strerror(errno);
  struct {
    nlmsghdr h;
    nfgenmsg g;
  } req = {};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.h.nlmsg_seq = 1;
  req.g.nfgen_family = AF_UNSPEC;
  req.g.version = NFNETLINK_V0;
  if (::send(s.get(), &req, sizeof req, 0) < 0) return std::string("send: ") + std::strerror(errno);
  alignas(nlmsghdr) char buf[8192];
  ssize_t n = ::recv(s.get(), buf, sizeof buf, 0);
  if (n < static_cast<ssize_t>(sizeof(nlmsghdr))) return std::string("recv: ") + std::strerror(errno);
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  if (h->nlmsg_type == NLMSG_ERROR) {
    int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
    if (err != 0) return std::string("NFT_MSG_GETGEN: ") + std::strerror(err);
  }
  return "";
}

}  // namespace

NetworkProbe probe_network() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd rd(fds[0]), wr(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    rd.reset();
    std::string out;
    if (::unshare(CLONE_NEWNET) != 0) {
      std::string why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      out = why + '\n' + why + '\n' + why + '\n';
    } else {
      try {
        netlink::Socket nl;
        out += try_step([](netlink::Socket& n) { links::create_veth(n, "probe0", "probe1", ::getpid(), 1500, 0); }, nl) +
               '\n';
        out += try_step([](netlink::Socket& n) { links::create_bridge(n, "probe2"); }, nl) + '\n';
      } catch (const std::exception& e) {
        out = std::string(e.what()) + '\n' + e.what() + '\n';
      }
      out += ask_nftables() + '\n';
    }
    ssize_t ignored = ::write(wr.get(), out.data(), out.size());
    (void)ignored;
    ::_exit(0);
  }
  wr.reset();
  std::string text;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  NetworkProbe p;
  std::string* fields[] = {&p.veth, &p.bridge, &p.nftables};
  size_t pos = 0;
  for (std::string* f : fields) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      *f = "the probe process died";
      continue;
    }
    *f = text.substr(pos, nl - pos);
    pos = nl + 1;
  }
  return p;
}

}  // namespace minirun::ns
