#include "ns/netlink.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

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

// What one receive pass learnt: the kernel's errno (0: acked) and, with
// extended acks, the kernel's own words ("Unknown device type").
struct Reply {
  const std::function<void(const nlmsghdr*)>* on_reply = nullptr;
  int error = 0;
  std::string extack;
};

int on_error_attr(const nlattr* attr, void* data) {
  auto* reply = static_cast<Reply*>(data);
  if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
    reply->extack = mnl_attr_get_str(attr);
  }
  return MNL_CB_OK;
}

int on_error(const nlmsghdr* nlh, void* data) {
  auto* reply = static_cast<Reply*>(data);
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
    reply->error = EBADMSG;
    return MNL_CB_ERROR;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  if (err->error == 0) return MNL_CB_STOP;  // the ack
  reply->error = -err->error;
  if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
    // The TLVs follow the echoed request, or only its header when capped.
    size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    size_t payload = mnl_nlmsg_get_payload_len(nlh);
    if (offset < payload) {
      mnl_attr_parse_payload(static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + offset,
                             payload - offset, on_error_attr, reply);
    }
  }
  return MNL_CB_ERROR;
}

int on_done(const nlmsghdr*, void*) { return MNL_CB_STOP; }

int on_noop(const nlmsghdr*, void*) { return MNL_CB_OK; }

int on_data(const nlmsghdr* nlh, void* data) {
  auto* reply = static_cast<Reply*>(data);
  if (*reply->on_reply) (*reply->on_reply)(nlh);
  return MNL_CB_OK;
}

}  // namespace

Request::Request(uint16_t type, uint16_t flags, std::string what)
    : buf_(MNL_SOCKET_BUFFER_SIZE), what_(std::move(what)) {
  nlh_ = mnl_nlmsg_put_header(buf_.data());
  nlh_->nlmsg_type = type;
  nlh_->nlmsg_flags = NLM_F_REQUEST | flags;
}

void* Request::append_zeroed(size_t len) {
  if (nlh_->nlmsg_len + MNL_ALIGN(len) > buf_.size()) {
    throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  }
  return mnl_nlmsg_put_extra_header(nlh_, len);
}

void Request::put(uint16_t attr, const void* data, size_t len) {
  if (!mnl_attr_put_check(nlh_, buf_.size(), attr, len, data)) {
    throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  }
}

nlattr* Request::nest_begin(uint16_t attr) {
  nlattr* nest = mnl_attr_nest_start_check(nlh_, buf_.size(), attr);
  if (!nest) throw Error("netlink: " + describe() + ": message too long", EMSGSIZE);
  return nest;
}

std::string Request::describe() const {
  std::string s = message_type_name(nlh_->nlmsg_type);
  if (!what_.empty()) s += " " + what_;
  return s;
}

Socket::Socket() {
  nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!nl_) throw_errno("netlink: open socket");
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl_);
    throw_errno("netlink: bind socket", err);
  }
  // Best effort: the kernel's explanation makes EINVAL readable.
  int on = 1;
  mnl_socket_setsockopt(nl_, NETLINK_EXT_ACK, &on, sizeof(on));
  portid_ = mnl_socket_get_portid(nl_);
}

Socket::~Socket() {
  if (nl_) mnl_socket_close(nl_);
}

void Socket::ack(Request& req, const std::function<void(const nlmsghdr*)>& on_reply) {
  nlmsghdr* nlh = req.header();
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) throw_errno("netlink: " + req.describe() + ": send");

  mnl_cb_t control[NLMSG_MIN_TYPE] = {};
  control[NLMSG_NOOP] = on_noop;
  control[NLMSG_ERROR] = on_error;
  control[NLMSG_DONE] = on_done;
  Reply reply;
  reply.on_reply = &on_reply;
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf.data(), buf.size());
    if (n < 0) throw_errno("netlink: " + req.describe() + ": receive");
    int ret = mnl_cb_run2(buf.data(), n, nlh->nlmsg_seq, portid_, on_data, &reply, control, NLMSG_MIN_TYPE);
    if (ret == MNL_CB_STOP) return;
    if (ret == MNL_CB_ERROR) {
      int err = reply.error ? reply.error : errno;
      std::string msg = "netlink: " + req.describe() + ": " + std::strerror(err);
      if (!reply.extack.empty()) msg += " (" + reply.extack + ")";
      throw Error(msg, err);
    }
  }
}

}  // namespace minirun::ns::netlink
