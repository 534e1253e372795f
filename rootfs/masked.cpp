// maskedPaths and readonlyPaths, applied inside the container after enter().
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <optional>

#include "rootfs/mount_calls.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

// Missing paths are skipped, as runc does.
UniqueFd open_if_present(int root_fd, const std::string& path, const std::string& what) {
  return with_context(what, [&] { return open_in_root_if_present(root_fd, path, O_PATH); });
}

// The container's /dev/null may have been swapped for a link or another
// node by the image or a hook: only the real 1:3 is bound over files.
UniqueFd open_checked_dev_null(int root_fd) {
  UniqueFd fd = with_context("mask: /dev/null", [&] { return open_in_root(root_fd, "/dev/null", O_PATH); });
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("mask: stat /dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3) {
    throw Error("mask: /dev/null is not the null device (char 1:3)", EPERM);
  }
  return fd;
}

// Mounts below go through /proc/self/fd: the container's /proc must be
// there (checked once per list).
void require_container_proc(const std::string& what, bool& checked) {
  if (checked) return;
  if (::access("/proc/self/fd", X_OK) != 0) {
    throw Error(what + ": /proc is not mounted in the container (masked and readonly paths need it)", errno);
  }
  checked = true;
}

// A read-only bind of the mount tree at `target` onto itself, only its top
// mount made read-only (runc's bind + remount): open_tree + mount_setattr +
// move_mount, no /proc/self/fd path walked.  false: no new mount API.
bool bind_readonly_on_itself(const std::string& what, int target) {
  UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, target, "",
                                           AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
  if (!tree) {
    if (errno == ENOSYS) return false;
    throw_errno(what + ": open_tree");
  }
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    throw_errno(what + ": mount_setattr read-only");
  if (::syscall(SYS_move_mount, tree.get(), "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    throw_errno(what + ": move_mount");
  return true;
}

}  // namespace

void mask_paths(int root_fd, const std::vector<std::string>& paths) {
  std::optional<UniqueFd> dev_null;
  std::optional<UniqueFd> empty_dir;  // the one read-only tmpfs every masked dir shows
  bool proc_checked = false;
  for (const std::string& path : paths) {
    const std::string what = "mask " + path;
    UniqueFd target = open_if_present(root_fd, path, what);
    if (!target) continue;
    require_container_proc(what, proc_checked);
    struct stat st {};
    if (::fstat(target.get(), &st) != 0) throw_errno(what);
    const std::string target_path = fd_path(target.get());
    if (!S_ISDIR(st.st_mode)) {
      if (!dev_null) dev_null = open_checked_dev_null(root_fd);
      mount_or_throw(what, fd_path(dev_null->get()).c_str(), target_path, nullptr, MS_BIND, nullptr);
    } else if (empty_dir) {
      mount_or_throw(what, fd_path(empty_dir->get()).c_str(), target_path, nullptr, MS_BIND, nullptr);
    } else {
      mount_or_throw(what, "tmpfs", target_path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     "size=4k,mode=755");
      empty_dir = with_context(what, [&] { return open_in_root(root_fd, path, O_PATH | O_DIRECTORY); });
    }
  }
}

void make_paths_readonly(int root_fd, const std::vector<std::string>& paths) {
  bool proc_checked = false;
  for (const std::string& path : paths) {
    const std::string what = "readonly " + path;
    UniqueFd target = open_if_present(root_fd, path, what);
    if (!target) continue;
    if (bind_readonly_on_itself(what, target.get())) continue;
    require_container_proc(what, proc_checked);
    const std::string below = fd_path(target.get());
    mount_or_throw(what, below.c_str(), below, nullptr, MS_BIND | MS_REC, nullptr);
    UniqueFd top = with_context(what, [&] { return open_in_root(root_fd, path, O_PATH); });
    const std::string top_path = fd_path(top.get());
    remount_bind(what, top_path, MS_RDONLY | (locked_mount_flags(top_path) & ~MS_RDONLY));
  }
}

}  // namespace minirun::rootfs
