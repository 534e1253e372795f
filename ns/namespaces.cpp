// Namespace kinds, opening namespace files by path and joining them.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <string>

#include "ns/join.h"
#include "ns/ns.h"
#include "spec/error.h"

namespace minirun::ns {

// The words a user reads in an error: "not a network namespace".
const char* human_name(spec::NamespaceType t) {
  switch (t) {
    case spec::NamespaceType::pid: return "pid";
    case spec::NamespaceType::network: return "network";
    case spec::NamespaceType::mount: return "mount";
    case spec::NamespaceType::ipc: return "ipc";
    case spec::NamespaceType::uts: return "uts";
    case spec::NamespaceType::user: return "user";
    case spec::NamespaceType::cgroup: return "cgroup";
    case spec::NamespaceType::time: return "time";
  }
  return "unknown";
}

int clone_flag(spec::NamespaceType t) {
  switch (t) {
    case spec::NamespaceType::pid: return CLONE_NEWPID;
    case spec::NamespaceType::network: return CLONE_NEWNET;
    case spec::NamespaceType::mount: return CLONE_NEWNS;
    case spec::NamespaceType::ipc: return CLONE_NEWIPC;
    case spec::NamespaceType::uts: return CLONE_NEWUTS;
    case spec::NamespaceType::user: return CLONE_NEWUSER;
    case spec::NamespaceType::cgroup: return CLONE_NEWCGROUP;
    case spec::NamespaceType::time: return CLONE_NEWTIME;
  }
  return 0;
}

const char* proc_ns_name(spec::NamespaceType t) {
  switch (t) {
    case spec::NamespaceType::pid: return "pid";
    case spec::NamespaceType::network: return "net";
    case spec::NamespaceType::mount: return "mnt";
    case spec::NamespaceType::ipc: return "ipc";
    case spec::NamespaceType::uts: return "uts";
    case spec::NamespaceType::user: return "user";
    case spec::NamespaceType::cgroup: return "cgroup";
    case spec::NamespaceType::time: return "time";
  }
  return "";
}

UniqueFd open_namespace(const std::string& path, spec::NamespaceType t) {
  return with_context("linux.namespaces", [&] {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + path);
    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    // ENOTTY: an ordinary file, not an nsfs inode.
    if (type < 0 && errno != ENOTTY && errno != EINVAL) throw_errno("ioctl NS_GET_NSTYPE " + path);
    if (type != clone_flag(t)) {
      throw Error(path + " is not a " + human_name(t) + " namespace", EINVAL);
    }
    return fd;
  });
}

void join_namespace(int fd, spec::NamespaceType t) {
  if (::setns(fd, clone_flag(t)) < 0) {
    throw_errno(std::string("linux.namespaces: setns ") + human_name(t) + " namespace");
  }
}

}  // namespace minirun::ns
