// The overlay rootfs: lower layers (top first), an upper and a work dir.
#include <sys/mount.h>
#include <sys/stat.h>

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
  mount_or_throw("mount overlay on " + o.target, "overlay", o.target, "overlay", 0, data.c_str());
}

}  // namespace minirun::rootfs
