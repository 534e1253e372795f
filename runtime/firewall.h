// The bridge network's nftables rules, made by the minirun-nft companion
// (ns/net/nft_main.cpp): minirun forks it only when a rule must change.
#pragma once

#include "ns/net/network.h"

namespace minirun::runtime {

class NftFirewall : public ns::Firewall {
 public:
  void add_bridge(const std::string& bridge, const std::string& subnet) override;
  void publish(const ns::Lease& lease) override;
  void unpublish(const ns::Lease& lease) override;
};

}  // namespace minirun::runtime
