// Private: a small rtnetlink client on top of libmnl.  A Request is one
// message; Socket::ack() sends it and turns a kernel NLMSG_ERROR into
// Error("netlink: RTM_NEWLINK veth mr1234: File exists").
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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

  void put(uint16_t attr, const void* data, size_t len);
  void put_u32(uint16_t attr, uint32_t value) { put(attr, &value, sizeof(value)); }
  void put_str(uint16_t attr, const std::string& s) { put(attr, s.c_str(), s.size() + 1); }
  nlattr* nest_begin(uint16_t attr);
  void nest_end(nlattr* nest) { mnl_attr_nest_end(nlh_, nest); }

  nlmsghdr* header() { return nlh_; }
  // "RTM_NEWLINK veth mr1234": the prefix of every error about this request.
  std::string describe() const;

 private:
  void* append_zeroed(size_t len);

  std::vector<char> buf_;
  nlmsghdr* nlh_;
  std::string what_;
};

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
  mnl_socket* nl_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
};

}  // namespace minirun::ns::netlink
