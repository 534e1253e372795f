// tmpcopyup: the directory a tmpfs covers is copied into it (owners, modes,
// times, symlinks and device nodes kept), like runc's CopyDirectory.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

void copy_file_bytes(int src_dir, int dst_dir, const std::string& name, mode_t mode) {
  UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) throw_errno("open " + name);
  UniqueFd out(::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777));
  if (!out) throw_errno("create " + name);
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + name);
    if (n == 0) return;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out.get(), buf + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw_errno("write " + name);
      done += w;
    }
  }
}

void copy_symlink(int src_dir, int dst_dir, const std::string& name, off_t size) {
  std::string target(static_cast<size_t>(size) + 1, '\0');
  ssize_t n = ::readlinkat(src_dir, name.c_str(), target.data(), target.size());
  if (n < 0) throw_errno("readlink " + name);
  target.resize(n);
  if (::symlinkat(target.c_str(), dst_dir, name.c_str()) != 0) throw_errno("symlink " + name);
}

void copy_metadata(int dst_dir, const std::string& name, const struct stat& st) {
  if (::fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    throw_errno("chown " + name);
  }
  if (!S_ISLNK(st.st_mode) && ::fchmodat(dst_dir, name.c_str(), st.st_mode & 07777, 0) != 0) {
    throw_errno("chmod " + name);
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(dst_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort, like cp -a
}

void copy_entry(int src_dir, int dst_dir, const std::string& name) {
  struct stat st {};
  if (::fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat " + name);
  if (S_ISDIR(st.st_mode)) {
    if (::mkdirat(dst_dir, name.c_str(), 0700) != 0) throw_errno("mkdir " + name);
    UniqueFd from(::openat(src_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd to(::openat(dst_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!from || !to) throw_errno("open " + name);
    with_context(name, [&] { copy_dir_contents(from.get(), to.get()); });
  } else if (S_ISREG(st.st_mode)) {
    copy_file_bytes(src_dir, dst_dir, name, st.st_mode);
  } else if (S_ISLNK(st.st_mode)) {
    copy_symlink(src_dir, dst_dir, name, st.st_size);
  } else if (::mknodat(dst_dir, name.c_str(), st.st_mode, st.st_rdev) != 0) {
    throw_errno("mknod " + name);
  }
  copy_metadata(dst_dir, name, st);
}

}  // namespace

void copy_dir_contents(int src_dir, int dst_dir) {
  int dup_fd = ::fcntl(src_dir, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) throw_errno("dup");
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    throw_errno("opendir");
  }
  ScopeGuard close_dir([dir] { ::closedir(dir); });
  ::rewinddir(dir);
  while (struct dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    copy_entry(src_dir, dst_dir, name);
  }
}

}  // namespace minirun::rootfs
