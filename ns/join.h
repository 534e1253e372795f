// ns/: the namespace syscalls a process makes on itself: joining namespaces
// by fd, unsharing new ones, the time namespace's offsets.  The container
// init and the exec helper call these; opening namespace files and id maps
// are in ns.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "spec/spec.h"

namespace minirun::ns {

// An open namespace file (open_namespace) and what it is.
struct NamespaceFd {
  spec::NamespaceType type;
  int fd;
};

// The words a user reads in an error: "network" (not a network namespace).
const char* human_name(spec::NamespaceType t);

// setns into each, the user namespace first (joining the others needs its
// capabilities).  The fds stay open: they are the caller's.
void join_namespaces(const std::vector<NamespaceFd>& namespaces);

// unshare(2) of one namespace type: "unshare the network namespace".
void unshare_namespace(spec::NamespaceType t);

// A new time namespace with these offsets, entered by the caller: the
// offsets can only be written before any process is in it.
void enter_new_time_namespace(const std::map<std::string, spec::TimeOffset>& offsets);

// uid and gid 0 in the user namespace the caller was cloned into.
void become_root_in_user_namespace();

}  // namespace minirun::ns
