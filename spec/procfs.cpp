#include "spec/procfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string_view>

#include "spec/error.h"

namespace minirun::procfs {
namespace {

constexpr ino_t kProcRootIno = 1;  // include/linux/proc_ns.h: only a procfs root has it
constexpr int kOpenat2Retries = 32;  // EAGAIN: a rename or mount raced the lookup

bool openat2_missing = false;  // set once the kernel said ENOSYS

// "self/attr/exec" -> "42/attr/exec": the link read in the same procfs, so
// the pid is the one of that procfs's pid namespace.
std::string resolve_self(int root_fd, const std::string& name) {
  for (std::string_view link : {"thread-self", "self"}) {
    if (name.compare(0, link.size(), link) != 0 || (name.size() > link.size() && name[link.size()] != '/')) continue;
    char target[64];
    ssize_t n = ::readlinkat(root_fd, std::string(link).c_str(), target, sizeof target - 1);
    if (n <= 0) throw_errno("readlink /proc/" + std::string(link));
    return std::string(target, static_cast<size_t>(n)) + name.substr(link.size());
  }
  return name;
}

// The mount id of `fd`: statx (5.8+), else the fdinfo line.
uint64_t mount_id(int fd) {
  struct statx stx {};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID)) return stx.stx_mnt_id;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  if (FILE* f = std::fopen(path, "re")) {
    char line[128];
    unsigned long long id = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) found = std::sscanf(line, "mnt_id: %llu", &id) == 1;
    std::fclose(f);
    if (found) return id;
  }
  throw_errno("mount id", ENOTSUP);
}

// Kernels before openat2 (5.6): an O_NOFOLLOW open, then the file must be
// on the root's own mount.
int open_by_mount_id(int root_fd, const std::string& rel, int flags) {
  UniqueFd fd(::openat(root_fd, rel.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return -1;
  if (mount_id(fd.get()) != mount_id(root_fd)) {
    errno = EXDEV;
    return -1;
  }
  return fd.release();
}

int open_beneath(int root_fd, const std::string& rel, int flags) {
  if (!openat2_missing) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; ++attempt) {
      int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
      if (fd >= 0) return fd;
      if (errno == EAGAIN && attempt < kOpenat2Retries) continue;
      if (errno != ENOSYS) return -1;
      openat2_missing = true;
      break;
    }
  }
  return open_by_mount_id(root_fd, rel, flags);
}

}  // namespace

UniqueFd open_root(const std::string& mount_point) {
  UniqueFd fd(::open(mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + mount_point);
  struct statfs sfs {};
  if (::fstatfs(fd.get(), &sfs) != 0) throw_errno("statfs " + mount_point);
  if (sfs.f_type != PROC_SUPER_MAGIC) throw Error(mount_point + ": not a procfs", EXDEV);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + mount_point);
  if (st.st_ino != kProcRootIno) throw Error(mount_point + ": not the root of a procfs", EXDEV);
  return fd;
}

UniqueFd open_file(int root_fd, const std::string& name, int flags) {
  const std::string shown = "open /proc/" + name;
  if (("/" + name + "/").find("/../") != std::string::npos) throw Error(shown + ": \"..\" in a procfs name", EINVAL);
  const std::string rel = with_context(shown, [&] { return resolve_self(root_fd, name); });
  UniqueFd fd(open_beneath(root_fd, rel, flags));
  if (fd) return fd;
  if (errno == EXDEV) throw Error(shown + ": something is mounted over it", EXDEV);
  if (errno == ELOOP) throw Error(shown + ": a symlink on its path", ELOOP);
  throw_errno(shown);
}

void write_file(int root_fd, const std::string& name, const std::string& content) {
  UniqueFd fd = open_file(root_fd, name, O_WRONLY);
  ssize_t n = ::write(fd.get(), content.data(), content.size());
  if (n < 0) throw_errno("write /proc/" + name);
  if (static_cast<size_t>(n) != content.size()) throw Error("write /proc/" + name + ": short write", EIO);
}

void write_file(const std::string& name, const std::string& content) {
  UniqueFd root = open_root();
  write_file(root.get(), name, content);
}

}  // namespace minirun::procfs
