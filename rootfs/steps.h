// Private: the steps prepare() and finish() are made of, one file each.
#pragma once

#include <string>

#include "rootfs/rootfs.h"
#include "spec/unique_fd.h"

namespace minirun::rootfs {

// The root being prepared: its host path and an O_PATH fd of its top mount.
struct PreparedRoot {
  const Options& options;
  std::string path;
  UniqueFd fd;
  std::string real_path;  // of fd, symlinks resolved: what fd paths start with
};

// mounts.cpp: one linux "mounts" entry, destination resolved inside the root.
// `tree`: Options::bind_source_trees for it (-1: none).
void mount_config_entry(const PreparedRoot& root, const spec::Mount& m, int tree);
// mounts.cpp: "mount SRC on DEST", the prefix of every error about `m`.
std::string describe_mount(const spec::Mount& m);

// proc_destination.cpp: refuses (EPERM, naming `what` and where it leads) a
// mount on `target_fd` that lies inside /proc or on a procfs, unless it is a
// procfs (`is_procfs`: type proc, or a bind of one) on /proc itself or a bind
// over one of the files LXCFS emulates (runc's allowlist).
void check_proc_destination(const PreparedRoot& root, const std::string& what, int target_fd, bool is_procfs);
// proc_destination.cpp: where `fd` lies inside the root ("/proc/1/attr").
std::string path_in_root(const PreparedRoot& root, int fd);
// proc_destination.cpp: the path an fd's /proc/self/fd link shows.
std::string real_path_of(int fd);

// cgroup_mount.cpp: a "cgroup" mount (tmpfs + v1 hierarchies, or cgroup2).
void mount_cgroup_entry(const PreparedRoot& root, const spec::Mount& m, const MountFlags& f);

// tmpcopyup.cpp: copies the tree under src_dir into dst_dir (owners, modes, links, nodes).
void copy_dir_contents(int src_dir, int dst_dir);

// overlay.cpp: mounts the overlay at o.target (created if missing).
void mount_overlay(const Overlay& o);
// overlay.cpp: the mount(2) data string; throws when a layer is missing or it exceeds a page.
std::string overlay_mount_data(const Overlay& o);

// devices.cpp: true unless a config mount binds something on /dev (runc).
bool needs_dev_setup(const Options& o);
// devices.cpp: default nodes, linux.devices, /dev/fd & std* & core links, ptmx.
void create_dev_nodes(const PreparedRoot& root);

// generated_files.cpp: /etc/hosts & co, written (overlay) or bind-mounted.
void install_generated_files(const PreparedRoot& root);

// masked.cpp (after enter): masked and read-only paths of the container.
void mask_paths(int root_fd, const std::vector<std::string>& paths);
void make_paths_readonly(int root_fd, const std::vector<std::string>& paths);

}  // namespace minirun::rootfs
