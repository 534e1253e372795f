// Private: a small rtnetlink client on top of libnl-3 (its core: messages,
// attributes, the socket).  A Request is one message; Socket::ack() sends
// it and turns a kernel NLMSG_ERROR into
// Error("netlink: RTM_NEWLINK veth mr1234: File exists").
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct nl_msg;   // libnl-3's, kept out of this header
struct nl_sock;

namespace minirun::ns::netlink {

class Request {
 public:
  // what names the object in errors ("veth mr1234", "address 10.88.0.1/16").
  Request(uint16_t type, uint16_t flags, std::string what);

  // A zeroed family header (ifinfomsg, ifaddrmsg, rtmsg) at the message's
  // end: right after nlmsghdr, or inside a nest (the veth peer's ifinfomsg).
  template <typename T>
  T* family_header() {
    return static_cast<T*>(append_zeroed(sizeof(T)));
  }

  ~Request();
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  void put(uint16_t attr, const void* data, size_t len);
  void put_u32(uint16_t attr, uint32_t value) { put(attr, &value, sizeof(value)); }
  void put_str(uint16_t attr, const std::string& s) { put(attr, s.c_str(), s.size() + 1); }
  nlattr* nest_begin(uint16_t attr);
  void nest_end(nlattr* nest);

  nlmsghdr* header();
  // "RTM_NEWLINK veth mr1234": the prefix of every error about this request.
  std::string describe() const;

 private:
  void* append_zeroed(size_t len);

  ::nl_msg* msg_;
  uint16_t type_;
  std::string what_;
};

// The attributes of a message after its family header (`header_len`
// bytes), indexed by type up to `max`; absent ones are null.
std::vector<const nlattr*> parse_attrs(const nlmsghdr* nlh, size_t header_len, int max);
std::vector<const nlattr*> parse_nested(const nlattr* nest, int max);
// Typed reads that check the attribute's length first.
bool read_u32(const nlattr* attr, uint32_t& out);
bool read_string(const nlattr* attr, std::string& out);  // NUL-terminated
const void* payload(const nlmsghdr* nlh);

// A NETLINK_ROUTE socket bound in the network namespace of the thread that
// constructs it; it stays in that namespace for its whole life.
class Socket {
 public:
  Socket();
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Sends req with NLM_F_ACK and waits for the kernel's answer.  Replies
  // before the ack (a RTM_GETLINK answer) go to on_reply, if given.
  void ack(Request& req, const std::function<void(const nlmsghdr*)>& on_reply = {});

 private:
  ::nl_sock* sock_ = nullptr;
  uint32_t seq_ = 0;
};

}  // namespace minirun::ns::netlink
