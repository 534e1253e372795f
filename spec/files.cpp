#include "spec/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "spec/unique_fd.h"

namespace minirun {

static bool read_all(int fd, std::string& out) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  std::string out;
  if (!read_all(fd.get(), out)) throw_errno("read " + path);
  return out;
}

bool try_read_file(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  out.clear();
  return read_all(fd.get(), out);
}

// Writes data to a new/truncated file; returns the still-open fd.
static UniqueFd write_new_file(const std::string& path, const std::string& data, int flags_extra, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flags_extra, mode));
  if (!fd) throw_errno("open " + path);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write " + path);
    off += static_cast<size_t>(n);
  }
  return fd;
}

void write_file(const std::string& path, const std::string& data, int flags_extra, unsigned mode) {
  write_new_file(path, data, flags_extra, mode);
}

void write_file_atomic(const std::string& path, const std::string& data, bool sync) {
  std::string tmp = path + ".tmp";
  UniqueFd fd = write_new_file(tmp, data, 0, 0600);
  if (sync && ::fsync(fd.get()) != 0) throw_errno("fsync " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp + " to " + path);
}

}  // namespace minirun
