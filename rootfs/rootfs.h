// rootfs/: the container's filesystem view, built inside its (new) mount
// namespace by the container init.  Every operation on a path inside the
// rootfs goes through safe_path.h, so symlinks resolve inside the rootfs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::rootfs {

struct Overlay {
  std::vector<std::string> lower;  // absolute, top first (the bundle rootfs is last)
  std::string upper;               // absolute
  std::string work;                // absolute, same filesystem as upper
  std::string target;              // absolute dir where the merged view is mounted
};

// A file minirun makes inside the container (/etc/hosts, /etc/hostname,
// /etc/resolv.conf).  On an overlay rootfs `content` is written into the
// merged view (so it lands in the upper layer); otherwise `host_file` (which
// holds the same content, in the state dir) is bind-mounted on `path` if the
// rootfs has that file (none is created: the bundle is never modified).
struct GeneratedFile {
  std::string path;       // absolute, inside the container
  std::string content;
  std::string host_file;  // absolute host path
};

// A cgroup v1 hierarchy for a "cgroup" mount: bound (or, in a cgroup
// namespace, mounted afresh) at <destination>/<last component of mount_point>.
struct CgroupV1Hierarchy {
  std::string mount_point;  // on the host, e.g. /sys/fs/cgroup/cpu,cpuacct
  std::string source;       // the host dir holding the container's cgroup
  std::string subsystems;   // "cpu,cpuacct" or "name=systemd"
};

struct Options {
  std::string rootfs;  // absolute host path of root.path (lowest layer with overlay)
  std::string bundle;  // absolute; relative bind sources resolve against it
  bool readonly = false;
  std::vector<spec::Mount> mounts;
  std::vector<spec::Device> devices;  // linux.devices, on top of the defaults
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::map<std::string, std::string> sysctl;
  std::string propagation;  // linux.rootfsPropagation, "" = rslave like runc
  std::string mount_label;
  bool in_user_namespace = false;  // no mknod: bind-mount host devices instead
  bool new_cgroup_namespace = false;
  bool no_pivot = false;
  std::optional<Overlay> overlay;
  std::vector<GeneratedFile> generated_files;
  // The v1 hierarchies the init is in once it joined its cgroup, as the
  // runtime knows them (rootfs/ reads no cgroup layout of its own); a
  // "cgroup" mount on a v1 or hybrid host binds these.
  std::vector<CgroupV1Hierarchy> cgroup_v1;
  // Bind sources the runtime opened as host root before the init joined a
  // user namespace (open_bind_sources): detached mount trees, indexed like
  // `mounts`, -1 where the init opens the source itself.
  std::vector<int> bind_source_trees;
};

// With a user namespace the init's root is an unprivileged host uid, which
// may not be able to walk to a bind source (a 0700 dir of host root's).  So
// the runtime, still host root, clones each bind source into a detached
// mount tree first (open_tree), as runc opens them before entering the user
// namespace; the init attaches the trees with move_mount.  Fills
// o.bind_source_trees and returns the fds, which the caller keeps open
// until the init is cloned.  A source that cannot be opened here is left to
// the init, which then fails with its usual error.
std::vector<UniqueFd> open_bind_sources(Options& o);

// Steps run by the init in order, with hooks in between (runc's order):
//   prepare()  -> [prestart/createRuntime/createContainer hooks] ->
//   enter()    -> [console, sysctl] -> finish()

// Before the hooks: sets "/" propagation, mounts the overlay or bind-mounts
// the rootfs on itself, performs the config mounts in order, creates /dev
// nodes (null zero full random urandom tty, ptmx, /dev/fd & std* links,
// linux.devices), writes generated files.  Returns the absolute host path
// that will become "/" (the rootfs or the overlay target).
std::string prepare(const Options& o);

// pivot_root into the prepared root (MS_MOVE + chroot with no_pivot), old
// root detached; cwd is "/".
void enter(const Options& o, const std::string& root);

// After entering: sysctls, readonly paths, masked paths (/dev/null checked
// with fstat before it is bound on files; one shared read-only tmpfs for
// directories), then "/" read-only if root.readonly.
void finish(const Options& o);

// Parses mount options into flags, propagation flags and the data string.
struct MountFlags {
  unsigned long flags = 0;        // MS_*
  unsigned long clear = 0;        // flags explicitly turned off (rw, suid, ...)
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SLAVE/... (| MS_REC)
  bool recursive_readonly = false;  // rro
  bool tmpcopyup = false;
  std::string data;               // "mode=755,size=65536k"
};
MountFlags parse_mount_options(const std::vector<std::string>& options);

}  // namespace minirun::rootfs
