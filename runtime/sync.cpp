#include "runtime/sync.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "runtime/fault.h"
#include "spec/error.h"

namespace minirun::runtime {

static void send_packet(int sock, const void* data, size_t len, int fd, const char* what) {
  struct iovec iov = {const_cast<void*>(data), len};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) throw_errno(what);
  }
}

void send_message(int sock, Stage stage, const std::string& payload, int fd) {
  std::string packet(1, static_cast<char>(stage));
  packet += payload;
  send_packet(sock, packet.data(), packet.size(), fd, "sync: send");
}

static bool receive(int sock, const char* expect, Message& m) {
  // Not zero-filled: a std::vector would memset all 64 KiB, 16 fresh pages
  // to fault in (copy-on-write in the init) for a packet of a few hundred bytes.
  constexpr size_t kMaxPacket = 65536;
  std::unique_ptr<char[]> buf(new char[kMaxPacket]);
  struct iovec iov = {buf.get(), kMaxPacket};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) throw_errno(std::string("sync: waiting for ") + expect);
  }
  if (n == 0) return false;
  if (msg.msg_flags & MSG_TRUNC) throw Error(std::string("sync: a message over 64 KiB while waiting for ") + expect);
  m.stage = static_cast<Stage>(buf[0]);
  m.payload.assign(buf.get() + 1, static_cast<size_t>(n - 1));
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      m.fd.reset(fd);
    }
  }
  if (m.stage == Stage::error) throw Error(m.payload);
  if (m.stage == Stage::fault) fault_kill_self();
  return true;
}

Message receive_message(int sock, const char* expect) {
  Message m;
  if (!receive(sock, expect, m)) throw Error(std::string("container init exited before ") + expect);
  return m;
}

bool receive_until_exec(int sock, Message& out) { return receive(sock, "exec", out); }

GoMessage receive_go(int sock) {
  Message m = receive_message(sock, "go");
  GoMessage go;
  if (m.payload.empty()) return go;
  auto payload = nlohmann::json::parse(m.payload);
  go.state = payload.value("state", "");
  for (const auto& f : payload.value("files", nlohmann::json::array()))
    go.files.push_back({f.at("path"), f.at("content"), f.at("host_file")});
  return go;
}

InitChannel::InitChannel() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
  parent_.reset(sv[0]);
  child_.reset(sv[1]);
}

void InitChannel::wait_for_netns() {
  Message m = receive_message(parent_.get(), "its network namespace was made");
  if (m.stage != Stage::netns) throw Error("container init: unexpected message before its network namespace");
}

void InitChannel::send_go(const GoMessage& go) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : go.files) files.push_back({{"path", f.path}, {"content", f.content}, {"host_file", f.host_file}});
  try {
    send_message(parent_.get(), Stage::go, nlohmann::json{{"state", go.state}, {"files", files}}.dump());
  } catch (const Error&) {
    receive_message(parent_.get(), "go");  // the init's own error, if it left one before dying
    throw;
  }
}

void InitChannel::send_go() { send_message(parent_.get(), Stage::go); }

void InitChannel::dispatch(const Handlers& h, Message& m) {
  if (m.stage == Stage::hooks && h.hooks) {
    h.hooks();
    send_message(parent_.get(), Stage::hooks_done);
  } else if (m.stage == Stage::console && h.console) {
    h.console(std::move(m.fd));
  } else if (m.stage == Stage::seccomp_listener && h.seccomp_listener) {
    h.seccomp_listener(std::move(m.fd));
  }
}

void InitChannel::serve_until_ready(const Handlers& h) {
  for (;;) {
    Message m = receive_message(parent_.get(), "the container was ready");
    if (m.stage == Stage::ready) return;
    dispatch(h, m);
  }
}

void InitChannel::commit() {
  try {
    send_message(parent_.get(), Stage::committed);
    receive_message(parent_.get(), "committed_ack");
  } catch (const Error& e) {
    throw Error("container init exited before it was told the container is created", e.error_number());
  }
}

void InitChannel::serve_until_exec(const Handlers& h) {
  Message m;
  while (receive_until_exec(parent_.get(), m)) dispatch(h, m);
}

void send_fd_to_path(const std::string& socket_path, int fd, const std::string& name) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("console socket");
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) throw Error("console socket path too long: " + socket_path);
  std::strcpy(addr.sun_path, socket_path.c_str());
  if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("connect console socket " + socket_path);
  // runc sends the pty's name as the payload next to the fd.
  send_packet(sock.get(), name.data(), name.size(), fd, "send console fd");
}

}  // namespace minirun::runtime
