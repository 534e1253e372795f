// A --console-socket peer for the tests: listens on a unix socket and
// receives one pty master (SCM_RIGHTS), as conmon and containerd's shim do;
// and read_until() for what the pty gives.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <string>

namespace minirun::test {

class ConsoleSocket {
 public:
  explicit ConsoleSocket(const std::string& path) : path_(path) {
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 1) != 0)
      ADD_FAILURE() << "console socket " << path << ": " << strerror(errno);
  }
  ~ConsoleSocket() {
    close(listen_fd_);
    if (master_ >= 0) close(master_);
    unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

  // The master received, or -1 after timeout_ms.
  int receive(int timeout_ms = 10000) {
    struct pollfd p = {listen_fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) return -1;
    int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return -1;
    char name[256] = {};
    struct iovec iov = {name, sizeof name - 1};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0) {
      for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&master_, CMSG_DATA(c), sizeof(int));
    }
    name_ = name;
    close(conn);
    return master_;
  }
  const std::string& name() const { return name_; }
  int master() const { return master_; }

 private:
  std::string path_;
  std::string name_;
  int listen_fd_ = -1;
  int master_ = -1;
};

// Reads fd until `until` shows up, EOF/EIO, or the timeout.
inline std::string read_until(int fd, const std::string& until, int timeout_ms = 10000) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (until.empty() || out.find(until) == std::string::npos) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) break;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;  // EIO: every slave fd is closed
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace minirun::test
