// Path operations confined to a root directory: symlinks, ".." and absolute
// links resolve inside it (openat2 RESOLVE_IN_ROOT, with a component-by-
// component fallback walk for kernels without openat2).
#pragma once

#include <sys/types.h>

#include <string>

#include "spec/unique_fd.h"

namespace minirun::rootfs {

// Opens `path` (absolute or relative, read as inside the root) beneath
// root_fd.  `flags` are open(2) flags (O_PATH allowed).  Throws Error naming
// the path on failure.
UniqueFd open_in_root(int root_fd, const std::string& path, int flags, mode_t mode = 0);

// The same, but a missing path (ENOENT) is an empty fd instead of an error:
// the common case of absent masked/readonly paths costs no exception.
UniqueFd open_in_root_if_present(int root_fd, const std::string& path, int flags, mode_t mode = 0);

// mkdir -p of `path` inside the root; returns an O_PATH|O_DIRECTORY fd of it.
UniqueFd mkdir_all_in_root(int root_fd, const std::string& path, mode_t mode = 0755);

// Creates (if missing) a regular file at `path` inside the root, parents
// included, and returns an O_PATH fd of it: a bind-mount target for a file.
UniqueFd make_file_in_root(int root_fd, const std::string& path, mode_t mode = 0644);

// The component walk behind open_in_root on kernels without openat2: each
// component opened O_NOFOLLOW, symlinks re-read against the root, ".."
// clamped at the root, at most 40 links.  Public so tests can exercise it.
UniqueFd open_in_root_by_walk(int root_fd, const std::string& path, int flags, mode_t mode = 0);

// "/proc/self/fd/N": the magic-link form of an fd, for mount(2) targets.
std::string fd_path(int fd);

}  // namespace minirun::rootfs
