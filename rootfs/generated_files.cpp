// /etc/hosts, /etc/hostname, /etc/resolv.conf made by minirun.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs/mount_calls.h"
#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

// Overlay: written into the merged view so it lands in the upper layer.  A
// symlink at the path (resolv.conf often is one) is replaced, not followed.
void write_into_root(const PreparedRoot& root, const GeneratedFile& g) {
  const std::string what = "write " + g.path;
  const std::string name = last_component(g.path);
  UniqueFd dir = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), parent_dir(g.path)); });
  check_proc_destination(root, what, dir.get(), false);
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd file(::openat(dir.get(), name.c_str(), flags, 0644));
  if (!file && errno == ELOOP) {
    if (::unlinkat(dir.get(), name.c_str(), 0) != 0) throw_errno(what + ": remove symlink");
    file.reset(::openat(dir.get(), name.c_str(), flags, 0644));
  }
  if (!file) throw_errno(what);
  for (size_t done = 0; done < g.content.size();) {
    ssize_t n = ::write(file.get(), g.content.data() + done, g.content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(what);
    done += static_cast<size_t>(n);
  }
  if (::fchmod(file.get(), 0644) != 0) throw_errno(what + ": chmod");
}

// Plain rootfs: bound over the rootfs's own file.  One the rootfs lacks is
// left out: making a mountpoint for it would modify the bundle.
void bind_into_root(const PreparedRoot& root, const GeneratedFile& g) {
  const std::string what = "mount " + g.host_file + " on " + g.path;
  UniqueFd target;
  try {
    target = open_in_root(root.fd.get(), g.path, O_PATH);
  } catch (const Error& e) {
    if (e.error_number() == ENOENT) return;
    throw e.within(what);
  }
  check_proc_destination(root, what, target.get(), false);
  mount_or_throw(what, g.host_file.c_str(), fd_path(target.get()), nullptr, MS_BIND, nullptr);
}

}  // namespace

void install_generated_files(const PreparedRoot& root) {
  for (const GeneratedFile& g : root.options.generated_files) {
    if (root.options.overlay) {
      write_into_root(root, g);
    } else {
      bind_into_root(root, g);
    }
  }
}

}  // namespace minirun::rootfs
