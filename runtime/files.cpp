#include "runtime/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "rootfs/safe_path.h"
#include "spec/strings.h"

namespace minirun::runtime {

namespace {

// runc's limit for one passwd/group line; a longer one is skipped.
constexpr size_t kMaxRecordLine = 64 * 1024;
// Far above any real user database: a bigger one is refused, not read on.
constexpr size_t kMaxRecordFile = 64 * 1024 * 1024;

}  // namespace

std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match) {
  // The caller is in the container's root already; still no magic links,
  // no blocking on a fifo, no controlling tty from a device node.
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open /");
  UniqueFd fd = rootfs::open_in_root_if_present(root.get(), path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (!fd) return std::nullopt;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw_errno("fstat " + path);
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file");
  std::string line;
  bool too_long = false;
  size_t total = 0;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + path);
    total += static_cast<size_t>(n);
    if (total > kMaxRecordFile) throw Error(path + ": larger than " + std::to_string(kMaxRecordFile >> 20) + " MiB");
    const char* p = buf;
    const char* end = buf + n;
    while (p < end || n == 0) {
      const char* nl = n == 0 ? nullptr : static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* stop = nl ? nl : end;
      if (!too_long) line.append(p, static_cast<size_t>(stop - p));
      if (line.size() > kMaxRecordLine) {
        too_long = true;
        line.clear();
      }
      if (!nl && n != 0) break;  // the line goes on in the next read
      if (!too_long && !line.empty()) {
        std::vector<std::string> fields = split(line, ':');
        if (match(fields)) return fields;
      }
      line.clear();
      too_long = false;
      if (n == 0) return std::nullopt;
      p = nl + 1;
    }
  }
}

bool owned_by_caller(const struct stat& st) { return st.st_uid == ::geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH)); }

void check_owned_by_caller(const std::string& what, const struct stat& st) {
  uid_t me = ::geteuid();
  if (st.st_uid != me) {
    throw Error(what + ": owned by uid " + std::to_string(st.st_uid) + ", not by the caller (uid " +
                std::to_string(me) + "): refusing to trust it");
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error(what + ": writable by group or others (mode " + mode + "): refusing to trust it");
  }
}

std::string read_owned_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw_errno("fstat " + path);
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file");
  check_owned_by_caller(path, st);
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

void write_pid_file(const std::string& path, int pid) {
  if (path.empty()) return;
  with_context("--pid-file", [&] { write_file_atomic(path, std::to_string(pid), false, 0644); });
}

}  // namespace minirun::runtime
