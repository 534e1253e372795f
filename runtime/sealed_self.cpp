#include "runtime/sealed_self.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "spec/error.h"
#include "spec/unique_fd.h"

extern char** environ;

namespace minirun::runtime {

namespace {

constexpr unsigned kWriteSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

bool is_read_only(int exe) {
  struct statvfs vfs {};
  if (::fstatvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) return true;
  int seals = ::fcntl(exe, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_WRITE);
}

// A clone of the binary's mount, reduced to the one file, made read-only
// and attached nowhere: it lives as long as a process executes from it.
void exec_from_read_only_mount(char** argv) {
  UniqueFd tree(static_cast<int>(
      ::syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)));
  if (!tree) return;
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  if (::syscall(SYS_mount_setattr, tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) return;
  ::syscall(SYS_execveat, tree.get(), "", argv, environ, AT_EMPTY_PATH);
}

// Rootless (no mount API for us): a memfd copy sealed against writes.
void exec_from_sealed_copy(int exe, char** argv) {
  UniqueFd copy(::memfd_create("minirun", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!copy) throw_errno("memfd_create");
  for (;;) {
    ssize_t n = ::sendfile(copy.get(), exe, nullptr, 1 << 30);
    if (n == 0) break;
    if (n < 0) throw_errno("copy /proc/self/exe");
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, kWriteSeals) != 0) throw_errno("seal the copy of /proc/self/exe");
  ::syscall(SYS_execveat, copy.get(), "", argv, environ, AT_EMPTY_PATH);
  throw_errno("execveat the sealed copy of minirun");
}

}  // namespace

void run_from_sealed_binary(char** argv) {
  UniqueFd exe(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!exe) throw_errno("open /proc/self/exe");
  if (is_read_only(exe.get())) {
    // execveat of an fd names the process after the fd ("4"): ps, pgrep and
    // the tests look for minirun.
    const char* slash = std::strrchr(argv[0], '/');
    ::prctl(PR_SET_NAME, slash ? slash + 1 : argv[0], 0, 0, 0);
    return;
  }
  exec_from_read_only_mount(argv);
  exec_from_sealed_copy(exe.get(), argv);
}

}  // namespace minirun::runtime
