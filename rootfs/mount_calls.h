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

// linux.rootfsPropagation -> MS_* | MS_REC ("" = rslave).  In mount_options.cpp.
unsigned long root_propagation_flags(const std::string& name);

}  // namespace minirun::rootfs
