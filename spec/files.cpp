#include "spec/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

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

static void write_all(int fd, const std::string& data, const std::string& path);

// Writes data to a new/truncated file; returns the still-open fd.
static UniqueFd write_new_file(const std::string& path, const std::string& data, int flags_extra, unsigned mode) {
  // Never through a symlink at the final name: whoever could plant one there
  // would choose the file we truncate.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | flags_extra, mode));
  if (!fd) throw_errno("open " + path);
  write_all(fd.get(), data, path);
  return fd;
}

static void write_all(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write " + path);
    off += static_cast<size_t>(n);
  }
}

void write_file(const std::string& path, const std::string& data, int flags_extra, unsigned mode) {
  write_new_file(path, data, flags_extra, mode);
}

void write_file_atomic(const std::string& path, const std::string& data, bool sync, unsigned mode) {
  // A fresh name (O_EXCL) in the target's dir: a file or symlink planted at
  // a predictable temp name is never opened, and rename stays in one fs.
  std::string tmp = path + ".XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) throw_errno("create a temp file for " + path);
  try {
    write_all(fd.get(), data, tmp);
    if (::fchmod(fd.get(), mode) != 0) throw_errno("chmod " + tmp);
    if (sync && ::fsync(fd.get()) != 0) throw_errno("fsync " + tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp + " to " + path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace minirun
