// Namespace syscalls a process makes on itself (see join.h).
#include "ns/join.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>

#include "ns/ns.h"
#include "spec/error.h"
#include "spec/unique_fd.h"

namespace minirun::ns {

void join_namespaces(const std::vector<NamespaceFd>& namespaces) {
  for (const auto& n : namespaces)
    if (n.type == spec::NamespaceType::user) join_namespace(n.fd, n.type);
  for (const auto& n : namespaces)
    if (n.type != spec::NamespaceType::user) join_namespace(n.fd, n.type);
}

void unshare_namespace(spec::NamespaceType t) {
  if (::unshare(clone_flag(t)) != 0) throw_errno(std::string("unshare the ") + human_name(t) + " namespace");
}

void enter_new_time_namespace(const std::map<std::string, spec::TimeOffset>& offsets) {
  // Offsets can only be written before any process is in the namespace:
  // create it for our children, set them, then move ourselves in.
  unshare_namespace(spec::NamespaceType::time);
  if (!offsets.empty()) {
    // Our pid in the host's /proc (still mounted here), not in our pid ns.
    char self[32] = {};
    if (::readlink("/proc/self", self, sizeof self - 1) <= 0) throw_errno("readlink /proc/self");
    write_time_offsets(static_cast<pid_t>(std::atoi(self)), offsets);
  }
  UniqueFd fd(::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC));
  if (!fd || ::setns(fd.get(), CLONE_NEWTIME) != 0) throw_errno("join the new time namespace");
}

void become_root_in_user_namespace() {
  if (::setresgid(0, 0, 0) != 0) throw_errno("setgid 0 in the user namespace");
  if (::setresuid(0, 0, 0) != 0) throw_errno("setuid 0 in the user namespace");
}

}  // namespace minirun::ns
