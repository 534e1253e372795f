// The config mounts: each destination resolved inside the root with
// safe_path and mounted through the /proc/self/fd path of its O_PATH fd.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "rootfs/mount_calls.h"
#include "rootfs/path_names.h"
#include "rootfs/safe_path.h"
#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

bool is_bind(const spec::Mount& m, const MountFlags& f) { return m.type == "bind" || (f.flags & MS_BIND); }

std::string bind_source(const Options& o, const std::string& source) {
  if (source.empty() || source[0] == '/') return source;
  return o.bundle + "/" + source;
}

const char* source_or(const spec::Mount& m, const char* fallback) {
  return m.source.empty() ? fallback : m.source.c_str();
}

// An fd path names what lay below a mount made through it, so anything done
// to the new mount (remount, propagation, rro) needs a fresh lookup.
void adjust_new_mount(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f, bool bind) {
  const bool remount = bind && (f.flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) != 0;
  if (!remount && !f.recursive_readonly && f.propagation == 0) return;  // nothing to adjust: no lookup
  const std::string what = describe_mount(m);
  UniqueFd top = with_context(what, [&] { return open_in_root(root.fd.get(), m.destination, O_PATH); });
  const std::string path = fd_path(top.get());
  if (remount) remount_bind(what, path, f.flags);
  if (f.recursive_readonly) make_recursively_readonly(what, top.get());
  set_propagation(what, path, f.propagation);
}

// `tree`: the source as a detached mount the runtime opened (or -1).
void mount_bind_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f, int tree) {
  const std::string what = describe_mount(m);
  const std::string source = bind_source(root.options, m.source);
  struct stat st {};
  if ((tree >= 0 ? ::fstat(tree, &st) : ::stat(source.c_str(), &st)) != 0) throw_errno(what);
  UniqueFd target = with_context(what, [&] {
    return S_ISDIR(st.st_mode) ? mkdir_all_in_root(root.fd.get(), m.destination)
                               : make_file_in_root(root.fd.get(), m.destination);
  });
  struct statfs source_fs {};
  if ((tree >= 0 ? ::fstatfs(tree, &source_fs) : ::statfs(source.c_str(), &source_fs)) != 0) throw_errno(what);
  check_proc_destination(root, what, target.get(), source_fs.f_type == PROC_SUPER_MAGIC);
  if (tree >= 0) {
    if (::syscall(SYS_move_mount, tree, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
      throw_errno(what + ": move_mount");
  } else {
    mount_or_throw(what, source.c_str(), fd_path(target.get()), nullptr, MS_BIND | (f.flags & MS_REC), nullptr);
  }
  adjust_new_mount(root, m, f, true);
}

// proc and sysfs must land on a real directory: a symlink there has been
// the way out of containers before (CVE-2019-16884 and friends).
UniqueFd real_directory_in_root(const PreparedRoot& root, const spec::Mount& m) {
  const std::string what = describe_mount(m);
  UniqueFd fd = with_context(what, [&] { return open_in_root_if_present(root.fd.get(), m.destination, O_PATH | O_NOFOLLOW); });
  if (!fd) return with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), m.destination); });
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno(what);
  if (S_ISLNK(st.st_mode)) throw Error(what + ": destination is a symlink", ELOOP);
  if (!S_ISDIR(st.st_mode)) throw Error(what + ": destination is not a directory", ENOTDIR);
  return fd;
}

void mount_proc_like_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  UniqueFd target = real_directory_in_root(root, m);
  check_proc_destination(root, describe_mount(m), target.get(), m.type == "proc");
  mount_or_throw(describe_mount(m), source_or(m, m.type.c_str()), fd_path(target.get()), m.type.c_str(), f.flags,
                 f.data.c_str());
  adjust_new_mount(root, m, f, false);
}

void mount_tmpfs_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  const std::string what = describe_mount(m);
  UniqueFd target = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), m.destination); });
  check_proc_destination(root, what, target.get(), false);
  UniqueFd old_content;  // still readable once the tmpfs covers it
  if (f.tmpcopyup) {
    old_content.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!old_content) throw_errno(what + ": tmpcopyup");
  }
  // Read-only comes in finish(): /dev and tmpcopyup need to write first.
  mount_or_throw(what, source_or(m, "tmpfs"), fd_path(target.get()), "tmpfs", f.flags & ~MS_RDONLY, f.data.c_str());
  if (f.tmpcopyup) {
    with_context(what + ": tmpcopyup", [&] {
      UniqueFd fresh = open_in_root(root.fd.get(), m.destination, O_RDONLY | O_DIRECTORY);
      copy_dir_contents(old_content.get(), fresh.get());
    });
  }
  adjust_new_mount(root, m, f, false);
}

void mount_other_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f) {
  const std::string what = describe_mount(m);
  UniqueFd target = with_context(what, [&] { return mkdir_all_in_root(root.fd.get(), m.destination); });
  check_proc_destination(root, what, target.get(), false);
  mount_or_throw(what, source_or(m, m.type.c_str()), fd_path(target.get()), m.type.c_str(), f.flags, f.data.c_str());
  adjust_new_mount(root, m, f, false);
}

}  // namespace

std::string describe_mount(const spec::Mount& m) {
  const std::string& source = m.source.empty() ? m.type : m.source;
  return "mount " + source + " on " + m.destination;
}

std::vector<UniqueFd> open_bind_sources(Options& o) {
  std::vector<UniqueFd> trees;
  o.bind_source_trees.assign(o.mounts.size(), -1);
  for (size_t i = 0; i < o.mounts.size(); ++i) {
    const spec::Mount& m = o.mounts[i];
    const MountFlags f = parse_mount_options(m.options);
    if (!is_bind(m, f)) continue;
    const std::string source = bind_source(o, m.source);
    UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, source.c_str(),
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((f.flags & MS_REC) ? AT_RECURSIVE : 0))));
    if (!tree) continue;
    o.bind_source_trees[i] = tree.get();
    trees.push_back(std::move(tree));
  }
  return trees;
}

void mount_config_entry(const PreparedRoot& root, const spec::Mount& m, int tree) {
  const MountFlags f = parse_mount_options(m.options);
  const std::string dest = clean_absolute(m.destination);
  if (is_bind(m, f)) {
    mount_bind_entry(root, m, f, tree);
  } else if (m.type == "proc" || m.type == "sysfs" || dest == "/proc" || dest == "/sys") {
    mount_proc_like_entry(root, m, f);
  } else if (m.type == "tmpfs") {
    mount_tmpfs_entry(root, m, f);
  } else if (m.type == "cgroup" || m.type == "cgroup2") {
    mount_cgroup_entry(root, m, f);
  } else {
    mount_other_entry(root, m, f);
  }
}

}  // namespace minirun::rootfs
