// enter(): make the prepared root "/" of the mount namespace.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rootfs/mount_calls.h"
#include "rootfs/rootfs.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::rootfs {
namespace {

// pivot_root(".", ".") stacks the old root under the new one at "/"; it is
// then made rslave (so the detach does not reach the host) and detached.
void pivot_into(const std::string& root) {
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) throw_errno("pivot_root: open /");
  UniqueFd new_root(::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) throw_errno("pivot_root: open " + root);
  if (::fchdir(new_root.get()) != 0) throw_errno("pivot_root: chdir " + root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root " + root);
  if (::fchdir(old_root.get()) != 0) throw_errno("pivot_root: chdir old root");
  mount_or_throw("pivot_root: make old root rslave", nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr);
  if (::umount2(".", MNT_DETACH) != 0) throw_errno("pivot_root: detach old root");
  if (::chdir("/") != 0) throw_errno("pivot_root: chdir /");
}

// --no-pivot: for a root on a ramfs/initramfs where pivot_root is refused.
void move_root_into(const std::string& root) {
  if (::chdir(root.c_str()) != 0) throw_errno("chdir " + root);
  mount_or_throw("move " + root + " on /", root.c_str(), "/", nullptr, MS_MOVE, nullptr);
  if (::chroot(".") != 0) throw_errno("chroot " + root);
  if (::chdir("/") != 0) throw_errno("chdir /");
}

}  // namespace

void enter(const Options& o, const std::string& root) {
  if (o.no_pivot) {
    move_root_into(root);
  } else {
    pivot_into(root);
  }
}

}  // namespace minirun::rootfs
