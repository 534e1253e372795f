// Private: mount(2) wrappers whose errors name the operation and the
// container path ("mount proc on /proc: Device or resource busy").
#pragma once

#include <string>

namespace minirun::rootfs {

// mount(2); on failure throws Error("<what>: strerror").
void mount_or_throw(const std::string& what, const char* source, const std::string& target, const char* fstype,
                    unsigned long flags, const char* data);

// MS_REMOUNT|MS_BIND with `flags` on the mount at `target`.  Flags the
// kernel locks in a user namespace (nosuid, nodev, noexec, atime) are kept
// when the first attempt is refused, as runc does.
void remount_bind(const std::string& what, const std::string& target, unsigned long flags);

// MS_* flags of the mount holding `path` (statfs), limited to those a
// remount must repeat: rdonly, nosuid, nodev, noexec and the atime ones.
unsigned long locked_mount_flags(const std::string& path);

// Applies MS_PRIVATE/MS_SLAVE/... (| MS_REC); 0 does nothing.
void set_propagation(const std::string& what, const std::string& target, unsigned long propagation);

// mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY) on the mount `fd` is on.
void make_recursively_readonly(const std::string& what, int fd);

// A recursive bind of host path `source` onto `name` in dir `dir_fd` (no
// symlink followed), with `flags` (rdonly, nosuid, nodev, noexec, atime) and
// `propagation` applied to the copy before it is attached: open_tree +
// mount_setattr + move_mount, 3 syscalls and no /proc/self/fd lookups where
// mount(2) needs a bind, a reopen and a remount.  false (nothing done) when
// the kernel lacks the new mount API; otherwise throws "<what>: ...".
bool bind_with_attrs(const std::string& what, const std::string& source, int dir_fd, const std::string& name,
                     unsigned long flags, unsigned long propagation);

// linux.rootfsPropagation -> MS_* | MS_REC ("" = rslave).  In mount_options.cpp.
unsigned long root_propagation_flags(const std::string& name);

}  // namespace minirun::rootfs
