// Private: interface names of a container's veth pair.
#pragma once

#include <string>

namespace minirun::ns {

// "mr" + 11 hex digits of a stable hash of the id: 13 chars, under IFNAMSIZ.
std::string host_veth_name(const std::string& container_id);
// The peer's name until it is renamed eth0 inside the container's netns.
std::string peer_veth_name(const std::string& container_id);

}  // namespace minirun::ns
