// OCI mount options -> mount(2) flags, as runc's parseMountOptions reads them.
#include <sys/mount.h>

#include <string_view>

#include "rootfs/mount_calls.h"
#include "rootfs/rootfs.h"

namespace minirun::rootfs {
namespace {

struct FlagOption {
  std::string_view name;
  bool clear;  // the option turns the flag off ("rw" clears MS_RDONLY)
  unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

struct PropagationOption {
  std::string_view name;
  unsigned long flags;
};

constexpr PropagationOption kPropagationOptions[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

bool apply_flag_option(MountFlags& out, std::string_view option) {
  for (const FlagOption& f : kFlagOptions) {
    if (f.name != option) continue;
    if (f.clear) {
      out.flags &= ~f.flag;
      out.clear |= f.flag;
    } else {
      out.flags |= f.flag;
      out.clear &= ~f.flag;
    }
    return true;
  }
  return false;
}

bool apply_propagation_option(MountFlags& out, std::string_view option) {
  for (const PropagationOption& p : kPropagationOptions) {
    if (p.name == option) {
      out.propagation = p.flags;  // the last one given wins
      return true;
    }
  }
  return false;
}

}  // namespace

MountFlags parse_mount_options(const std::vector<std::string>& options) {
  MountFlags out;
  for (const std::string& option : options) {
    if (apply_flag_option(out, option) || apply_propagation_option(out, option)) continue;
    if (option == "rro") {
      out.recursive_readonly = true;
    } else if (option == "tmpcopyup") {
      out.tmpcopyup = true;
    } else {
      if (!out.data.empty()) out.data += ',';
      out.data += option;
    }
  }
  return out;
}

// The propagation of "/" named by linux.rootfsPropagation; "" is rslave.
unsigned long root_propagation_flags(const std::string& name) {
  if (name.empty()) return MS_SLAVE | MS_REC;
  for (const PropagationOption& p : kPropagationOptions) {
    if (p.name == name) return p.flags;
  }
  throw Error("rootfsPropagation: unknown value \"" + name + "\"", EINVAL);
}

}  // namespace minirun::rootfs
