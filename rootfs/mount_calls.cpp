#include "rootfs/mount_calls.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "spec/error.h"
#include "spec/unique_fd.h"

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

bool bind_with_attrs(const std::string& what, const std::string& source, int dir_fd, const std::string& name,
                     unsigned long flags, unsigned long propagation) {
  int tree = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(),
                                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (tree < 0) {
    if (errno == ENOSYS) return false;
    throw_errno(what + ": open_tree " + source);
  }
  UniqueFd tree_fd(tree);
  struct mount_attr attr {};
  const struct {
    unsigned long ms;
    uint64_t attr;
  } table[] = {{MS_RDONLY, MOUNT_ATTR_RDONLY},
               {MS_NOSUID, MOUNT_ATTR_NOSUID},
               {MS_NODEV, MOUNT_ATTR_NODEV},
               {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
               {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}};
  for (const auto& t : table)
    if (flags & t.ms) attr.attr_set |= t.attr;
  // relatime (the default) keeps what the source has; the others replace it.
  if (flags & (MS_NOATIME | MS_STRICTATIME)) {
    attr.attr_clr |= MOUNT_ATTR__ATIME;
    attr.attr_set |= (flags & MS_NOATIME) ? MOUNT_ATTR_NOATIME : MOUNT_ATTR_STRICTATIME;
  }
  attr.propagation = propagation & ~MS_REC;
  if ((attr.attr_set || attr.attr_clr || attr.propagation) &&
      ::syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
    throw_errno(what + ": mount_setattr");
  }
  if (::syscall(SYS_move_mount, tree, "", dir_fd, name.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    throw_errno(what + ": move_mount");
  return true;
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
