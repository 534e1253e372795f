// `minirun check`: what the kernel's network can do for a container, each
// tried for real in a throwaway network namespace of a forked child (the
// host's is never touched, no module is loaded).
#pragma once

#include <string>

namespace minirun::ns {

// Each "" when it works, else why not
// ("netlink: RTM_NEWLINK veth probe0: Operation not supported").
struct NetworkProbe {
  std::string veth, bridge, nftables;
};
NetworkProbe probe_network();

}  // namespace minirun::ns
