// cgroup v1 device rules as a state machine, so an update writes only the
// difference between what devices.list holds and what the rules want (the
// way runc's v1 devices emulator does): re-applying the same rules writes
// nothing, and no step ever denies a device both states allow.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "spec/spec.h"

namespace minirun::cgroup::v1 {

// One device class: type 'c' or 'b', major/minor -1 for "*".
struct DeviceKey {
  char type = 'c';
  int64_t major = -1;
  int64_t minor = -1;
  auto operator<=>(const DeviceKey&) const = default;
};

enum DevicePerm : uint8_t { kDevRead = 1, kDevWrite = 2, kDevMknod = 4 };

// What the kernel keeps for a devices cgroup: a default (allow = blacklist,
// deny = whitelist) and the exceptions to it.
struct DeviceState {
  bool default_allow = false;
  std::map<DeviceKey, uint8_t> exceptions;
  bool operator==(const DeviceState&) const = default;
};

// One write: `line` ("c 1:3 rwm", "a *:* rwm") to devices.allow or devices.deny.
struct DeviceWrite {
  bool allow = false;
  std::string line;
  bool operator==(const DeviceWrite&) const = default;
};

// Parses devices.list.  A blacklist lists only "a *:* rwm" (its deny
// exceptions are not shown).  Throws naming the bad line.
DeviceState parse_devices_list(const std::string& text);
// The state the kernel reaches from writing `rules` in order to a fresh
// cgroup that starts with "deny a".  Throws for a rule cgroup v1 would
// silently ignore (removing part of a wildcard exception).
DeviceState device_state_from_rules(const std::vector<spec::DeviceRule>& rules);
// The writes that take `from` to `to`: "a" first only when the default
// changes or `from` is a blacklist (its denies are unknown), then removed
// permissions, then added ones.  Empty when the states are equal.
std::vector<DeviceWrite> device_transition(const DeviceState& from, const DeviceState& to);
// "rwm" letters of `perms`, in that order.
std::string device_perm_letters(uint8_t perms);

}  // namespace minirun::cgroup::v1
