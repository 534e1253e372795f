// The overlay rootfs: lower layers (top first), an upper and a work dir.
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "rootfs/mount_calls.h"
#include "rootfs/steps.h"
#include "spec/error.h"

namespace minirun::rootfs {
namespace {

// mount(2) copies at most one page of options, terminating NUL included.
constexpr size_t kMaxMountData = 4095;

// overlayfs splits lowerdir on ':' and options on ','; both take '\' escapes.
std::string escape_overlay_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ':' || c == ',' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void require_directory(const std::string& role, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("overlay: " + role + " " + path);
  if (!S_ISDIR(st.st_mode)) throw Error("overlay: " + role + " " + path + ": not a directory", ENOTDIR);
}

// The kernel explains a refused overlay only in its log; the new mount API
// hands that text back.  "" when it is unavailable or the mount would work.
std::string kernel_overlay_message(const Overlay& o) {
  UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
  if (!fs) return "";
  bool configured = ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", "overlay", 0) == 0;
  for (const std::string& dir : o.lower)
    configured = configured && ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", dir.c_str(), 0) == 0;
  configured = configured && ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "upperdir", o.upper.c_str(), 0) == 0 &&
               ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "workdir", o.work.c_str(), 0) == 0;
  if (configured && ::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0) return "";
  std::string last;
  char buf[1024];
  for (ssize_t n; (n = ::read(fs.get(), buf, sizeof buf - 1)) > 0;) {
    buf[n] = 0;
    if (buf[0] == 'e' && buf[1] == ' ') last = buf + 2;
  }
  while (!last.empty() && last.back() == '\n') last.pop_back();
  return last;
}

// Why mount(2) refused the overlay, in words naming the dir at fault.
std::string explain_overlay_failure(const Overlay& o) {
  struct statfs fs {};
  if (::statfs(o.upper.c_str(), &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC)
    return "upper dir " + o.upper + " is on an overlayfs, which overlayfs cannot use as an upper layer";
  struct statvfs vfs {};
  if (::statvfs(o.upper.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return "upper dir " + o.upper + " is on a read-only filesystem, which overlayfs cannot use as an upper layer";
  struct stat upper {
  }, work{};
  if (::stat(o.upper.c_str(), &upper) == 0 && ::stat(o.work.c_str(), &work) == 0 && upper.st_dev != work.st_dev)
    return "work dir " + o.work + " is not on the filesystem of upper dir " + o.upper;
  std::string kernel = kernel_overlay_message(o);
  return kernel.empty() ? "" : "kernel says \"" + kernel + "\"";
}

}  // namespace

std::string overlay_mount_data(const Overlay& o) {
  if (o.lower.empty()) throw Error("overlay: no lower layer", EINVAL);
  std::string lower;
  for (const std::string& dir : o.lower) {
    require_directory("lower dir", dir);
    lower += (lower.empty() ? "" : ":") + escape_overlay_path(dir);
  }
  require_directory("upper dir", o.upper);
  require_directory("work dir", o.work);
  std::string data =
      "lowerdir=" + lower + ",upperdir=" + escape_overlay_path(o.upper) + ",workdir=" + escape_overlay_path(o.work);
  if (data.size() > kMaxMountData) {
    throw Error("overlay: too many lower layers: mount options are " + std::to_string(data.size()) +
                    " bytes, the limit is " + std::to_string(kMaxMountData),
                E2BIG);
  }
  return data;
}

void mount_overlay(const Overlay& o) {
  const std::string data = overlay_mount_data(o);
  if (::mkdir(o.target.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("overlay: mkdir " + o.target);
  if (::mount("overlay", o.target.c_str(), "overlay", 0, data.c_str()) == 0) return;
  const int err = errno;
  const std::string why = explain_overlay_failure(o);
  throw_errno("mount overlay on " + o.target + (why.empty() ? "" : ": " + why), err);
}

}  // namespace minirun::rootfs
