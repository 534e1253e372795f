#include "rootfs/safe_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <string_view>
#include <vector>

#include "rootfs/path_names.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

constexpr int kMaxSymlinks = 40;
// openat2 answers EAGAIN when a rename or mount raced the lookup.
constexpr int kOpenat2Retries = 32;

bool openat2_missing = false;  // set once the kernel said ENOSYS

std::deque<std::string> split_components(std::string_view path) {
  std::deque<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    pos = end + 1;
  }
  return parts;
}

std::string read_link_fd(int link_fd) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(link_fd, "", target.data(), target.size());
    if (n < 0) throw_errno("readlink");
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(n);
      return target;
    }
    target.resize(target.size() * 2);
  }
}

// Opens the final, non-symlink component with the caller's flags and checks
// it is still the inode the walk looked at.
UniqueFd reopen_final(int dir_fd, const std::string& name, const UniqueFd& looked_at, const struct stat& st,
                      int flags) {
  if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) throw_errno("open", ENOTDIR);
  if ((flags & O_CREAT) && (flags & O_EXCL)) throw_errno("create", EEXIST);
  if (flags & O_PATH) return UniqueFd(::fcntl(looked_at.get(), F_DUPFD_CLOEXEC, 0));
  UniqueFd fd(::openat(dir_fd, name.c_str(), (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open");
  struct stat now {};
  if (::fstat(fd.get(), &now) != 0) throw_errno("fstat");
  if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) throw_errno("open (path changed during lookup)", EAGAIN);
  return fd;
}

// The shared walk: with `make_dirs` every missing component is created as a
// directory and the result is an O_PATH directory fd (flags are ignored).
UniqueFd walk_in_root(int root_fd, const std::string& path, int flags, mode_t mode, bool make_dirs) {
  std::vector<UniqueFd> dirs;  // dirs[0] is the root; ".." pops, never below it
  dirs.emplace_back(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirs.back()) throw_errno("open root");
  std::deque<std::string> rest = split_components(path);
  int links = 0;
  int mkdir_races = 0;
  while (!rest.empty()) {
    std::string name = std::move(rest.front());
    rest.pop_front();
    if (name == "..") {
      if (dirs.size() > 1) dirs.pop_back();
      continue;
    }
    const bool last = rest.empty();
    const int dir_fd = dirs.back().get();
    UniqueFd fd(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno != ENOENT) throw_errno("open");
      if (make_dirs) {
        if (::mkdirat(dir_fd, name.c_str(), mode) != 0 && (errno != EEXIST || ++mkdir_races > 8)) throw_errno("mkdir");
        rest.push_front(std::move(name));  // open what now exists
        continue;
      }
      if (last && (flags & O_CREAT)) {
        UniqueFd created(::openat(dir_fd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!created) throw_errno("create");
        return created;
      }
      throw_errno("open", ENOENT);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("fstat");
    if (S_ISLNK(st.st_mode)) {
      if (last && !make_dirs && (flags & O_NOFOLLOW)) {
        if (flags & O_PATH) return fd;
        throw_errno("open", ELOOP);
      }
      if (++links > kMaxSymlinks) throw_errno("open", ELOOP);
      std::string target = read_link_fd(fd.get());
      if (target.empty()) throw_errno("open", ENOENT);
      if (target[0] == '/') dirs.resize(1);  // absolute links restart at the root
      std::deque<std::string> link_parts = split_components(target);
      rest.insert(rest.begin(), link_parts.begin(), link_parts.end());
      continue;
    }
    if (!last || make_dirs) {
      if (!S_ISDIR(st.st_mode)) throw_errno("open", ENOTDIR);
      dirs.push_back(std::move(fd));
      continue;
    }
    return reopen_final(dir_fd, name, fd, st, flags);
  }
  // The path named a directory already on the stack (the root, or via "..").
  if (make_dirs || (flags & O_PATH)) return std::move(dirs.back());
  if ((flags & O_CREAT) && (flags & O_EXCL)) throw_errno("create", EEXIST);
  UniqueFd fd(::openat(dirs.back().get(), ".", (flags & ~O_CREAT) | O_CLOEXEC));
  if (!fd) throw_errno("open");
  return fd;
}

int openat2_in_root(int root_fd, const std::string& path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* p = path.empty() ? "." : path.c_str();
  for (int attempt = 0;; ++attempt) {
    int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, p, &how, sizeof(how)));
    if (fd >= 0 || errno != EAGAIN || attempt >= kOpenat2Retries) return fd;
  }
}

}  // namespace

UniqueFd open_in_root_by_walk(int root_fd, const std::string& path, int flags, mode_t mode) {
  return with_context("open " + path, [&] { return walk_in_root(root_fd, path, flags, mode, false); });
}

UniqueFd open_in_root(int root_fd, const std::string& path, int flags, mode_t mode) {
  if (!openat2_missing) {
    int fd = openat2_in_root(root_fd, path, flags, mode);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOSYS) throw_errno("open " + path);
    openat2_missing = true;
  }
  return open_in_root_by_walk(root_fd, path, flags, mode);
}

UniqueFd open_in_root_if_present(int root_fd, const std::string& path, int flags, mode_t mode) {
  if (!openat2_missing) {
    int fd = openat2_in_root(root_fd, path, flags, mode);
    if (fd >= 0 || errno == ENOENT) return UniqueFd(fd);
  }
  try {
    return open_in_root(root_fd, path, flags, mode);
  } catch (const Error& e) {
    if (e.error_number() != ENOENT) throw;
    return UniqueFd();
  }
}

UniqueFd mkdir_all_in_root(int root_fd, const std::string& path, mode_t mode) {
  if (!openat2_missing) {
    int fd = openat2_in_root(root_fd, path, O_PATH | O_DIRECTORY, 0);
    if (fd >= 0) return UniqueFd(fd);
    // Usually only the leaf is missing: make it under its parent (resolved
    // in the root; mkdirat never follows the new name) and reopen through
    // the root, instead of walking every component from "/".
    const std::string name = last_component(path);
    if (errno == ENOENT && !name.empty() && name != "." && name != "..") {
      UniqueFd parent = mkdir_all_in_root(root_fd, parent_dir(path), mode);
      if (::mkdirat(parent.get(), name.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir " + path);
      fd = openat2_in_root(root_fd, path, O_PATH | O_DIRECTORY, 0);
      if (fd >= 0) return UniqueFd(fd);
    }
  }
  return with_context("mkdir " + path, [&] { return walk_in_root(root_fd, path, 0, mode, true); });
}

UniqueFd make_file_in_root(int root_fd, const std::string& path, mode_t mode) {
  if (UniqueFd fd = open_in_root_if_present(root_fd, path, O_PATH)) return fd;
  const std::string name = last_component(path);
  if (name.empty() || name == "." || name == "..") throw_errno("create " + path, EISDIR);
  UniqueFd parent = mkdir_all_in_root(root_fd, parent_dir(path));
  UniqueFd file(::openat(parent.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!file && errno != EEXIST) throw_errno("create " + path);
  // Reopened through the root: a symlink left at `name` still resolves inside it.
  return open_in_root(root_fd, path, O_PATH);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace minirun::rootfs
