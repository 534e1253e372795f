#include "ns/net/netlink.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "spec/error.h"

namespace minirun::ns::netlink {

namespace {

const char* message_type_name(uint16_t type) {
  switch (type) {
    case RTM_NEWLINK: return "RTM_NEWLINK";
    case RTM_DELLINK: return "RTM_DELLINK";
    case RTM_GETLINK: return "RTM_GETLINK";
    case RTM_NEWADDR: return "RTM_NEWADDR";
    case RTM_DELADDR: return "RTM_DELADDR";
    case RTM_GETADDR: return "RTM_GETADDR";
    case RTM_NEWROUTE: return "RTM_NEWROUTE";
    case RTM_DELROUTE: return "RTM_DELROUTE";
    case RTM_GETROUTE: return "RTM_GETROUTE";
  }
  return "netlink message";
}

// nla_parse over `len` bytes of attributes; none at all when they are malformed.
std::vector<const nlattr*> attrs_in(const void* data, int len, int max) {
  std::vector<nlattr*> tb(static_cast<size_t>(max) + 1);
  auto* first = static_cast<nlattr*>(const_cast<void*>(data));
  if (len < 0 || nla_parse(tb.data(), max, first, len, nullptr) < 0) tb.assign(tb.size(), nullptr);
  return {tb.begin(), tb.end()};
}

// The kernel's answer to one request: its errno (0: acked) and, with
// extended acks, its own words ("Unknown device type").
struct Reply {
  int error = 0;
  std::string extack;
};

void read_error(const nlmsghdr* nlh, Reply& reply) {
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
    reply.error = EBADMSG;
    return;
  }
  const auto* err = static_cast<const nlmsgerr*>(nlmsg_data(nlh));
  reply.error = -err->error;
  if (reply.error == 0 || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  // The TLVs follow the echoed request, or only its header when capped.
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const size_t len = nlh->nlmsg_len - NLMSG_HDRLEN;
  if (offset >= len) return;
  auto tb = attrs_in(static_cast<const char*>(nlmsg_data(nlh)) + offset, static_cast<int>(len - offset),
                     NLMSGERR_ATTR_MAX);
  read_string(tb[NLMSGERR_ATTR_MSG], reply.extack);
}

}  // namespace

std::vector<const nlattr*> parse_attrs(const nlmsghdr* nlh, size_t header_len, int max) {
  auto* h = const_cast<nlmsghdr*>(nlh);
  const int hdrlen = static_cast<int>(header_len);
  if (!nlmsg_valid_hdr(h, hdrlen)) return attrs_in(nullptr, -1, max);
  return attrs_in(nlmsg_attrdata(h, hdrlen), nlmsg_attrlen(h, hdrlen), max);
}

std::vector<const nlattr*> parse_nested(const nlattr* nest, int max) {
  if (!nest) return attrs_in(nullptr, -1, max);
  return attrs_in(nla_data(nest), nla_len(nest), max);
}

bool read_u32(const nlattr* attr, uint32_t& out) {
  if (!attr || nla_len(attr) < static_cast<int>(sizeof(uint32_t))) return false;
  out = nla_get_u32(const_cast<nlattr*>(attr));
  return true;
}

bool read_string(const nlattr* attr, std::string& out) {
  if (!attr || nla_len(attr) < 1) return false;
  const char* s = static_cast<const char*>(nla_data(attr));
  if (s[nla_len(attr) - 1] != '\0') return false;
  out = s;
  return true;
}

const void* payload(const nlmsghdr* nlh) { return nlmsg_data(nlh); }

Request::Request(uint16_t type, uint16_t flags, std::string what)
    : msg_(nlmsg_alloc_simple(type, NLM_F_REQUEST | flags)), type_(type), what_(std::move(what)) {
  if (!msg_) throw Error("netlink: " + describe() + ": out of memory", ENOMEM);
}

Request::~Request() { nlmsg_free(msg_); }

nlmsghdr* Request::header() { return nlmsg_hdr(msg_); }

void* Request::append_zeroed(size_t len) {
  void* p = nlmsg_reserve(msg_, len, NLMSG_ALIGNTO);
  if (!p) throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  std::memset(p, 0, len);
  return p;
}

void Request::put(uint16_t attr, const void* data, size_t len) {
  if (nla_put(msg_, attr, static_cast<int>(len), data) < 0) {
    throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  }
}

nlattr* Request::nest_begin(uint16_t attr) {
  nlattr* nest = nla_nest_start(msg_, attr);
  if (!nest) throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  return nest;
}

void Request::nest_end(nlattr* nest) { nla_nest_end(msg_, nest); }

std::string Request::describe() const {
  std::string s = message_type_name(type_);
  if (!what_.empty()) s += " " + what_;
  return s;
}

Socket::Socket() {
  sock_ = nl_socket_alloc();
  if (!sock_) throw Error("netlink: open socket: out of memory", ENOMEM);
  // libnl opens it close-on-exec.
  if (int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
    nl_socket_free(sock_);
    throw Error(std::string("netlink: open socket: ") + nl_geterror(err), EIO);
  }
  // Best effort: the kernel's explanation makes EINVAL readable.
  int on = 1;
  ::setsockopt(nl_socket_get_fd(sock_), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
}

Socket::~Socket() {
  if (sock_) nl_socket_free(sock_);  // closes it
}

void Socket::ack(Request& req, const std::function<void(const nlmsghdr*)>& on_reply) {
  nlmsghdr* nlh = req.header();
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  nlh->nlmsg_pid = nl_socket_get_local_port(sock_);
  if (nl_sendto(sock_, nlh, nlh->nlmsg_len) < 0) throw_errno("netlink: " + req.describe() + ": send");
  Reply reply;
  for (bool done = false; !done;) {
    unsigned char* buf = nullptr;
    sockaddr_nl peer{};
    int n = nl_recv(sock_, &peer, &buf, nullptr);
    std::unique_ptr<unsigned char, void (*)(void*)> owned(buf, std::free);
    if (n <= 0) throw Error("netlink: " + req.describe() + ": receive: " + nl_geterror(n), EIO);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
      if (h->nlmsg_seq != nlh->nlmsg_seq) continue;  // not ours
      if (h->nlmsg_type == NLMSG_NOOP) continue;
      if (h->nlmsg_type == NLMSG_DONE) {
        done = true;
      } else if (h->nlmsg_type == NLMSG_ERROR) {
        read_error(h, reply);
        done = true;
      } else if (on_reply) {
        on_reply(h);
      }
      if (done) break;
    }
  }
  if (reply.error != 0) {
    std::string msg = "netlink: " + req.describe() + ": " + std::strerror(reply.error);
    if (!reply.extack.empty()) msg += " (" + reply.extack + ")";
    throw Error(msg, reply.error);
  }
}

}  // namespace minirun::ns::netlink
