#include "rootfs/mount_calls.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "spec/error.h"

namespace minirun::rootfs {

void mount_or_throw(const std::string& what, const char* source, const std::string& target, const char* fstype,
                    unsigned long flags, const char* data) {
  if (::mount(source, target.c_str(), fstype, flags, data) != 0) throw_errno(what);
}

unsigned long locked_mount_flags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  struct {
    unsigned long st, ms;
  } const table[] = {
      {ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
  };
  unsigned long flags = 0;
  for (const auto& f : table) {
    if (st.f_flag & f.st) flags |= f.ms;
  }
  return flags;
}

void remount_bind(const std::string& what, const std::string& target, unsigned long flags) {
  flags &= ~(MS_REC | MS_BIND | MS_REMOUNT);
  const unsigned long base = MS_REMOUNT | MS_BIND;
  if (::mount(nullptr, target.c_str(), nullptr, base | flags, nullptr) == 0) return;
  if (errno != EPERM) throw_errno(what + ": remount");
  // In a user namespace the kernel refuses to drop locked flags: keep them.
  unsigned long locked = locked_mount_flags(target) & ~MS_RDONLY;
  if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
    flags |= locked & (MS_NOATIME | MS_RELATIME | MS_NODIRATIME);
  }
  flags |= locked & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  mount_or_throw(what + ": remount", nullptr, target, nullptr, base | flags, nullptr);
}

void set_propagation(const std::string& what, const std::string& target, unsigned long propagation) {
  if (propagation == 0) return;
  mount_or_throw(what + ": set propagation", nullptr, target, nullptr, propagation, nullptr);
}

void make_recursively_readonly(const std::string& what, int fd) {
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) != 0) {
    throw_errno(what + ": rro");
  }
}

}  // namespace minirun::rootfs
