#include "cgroup/v1_devices.h"

#include <cerrno>

#include "cgroup/manager_util.h"
#include "spec/error.h"
#include "spec/strings.h"

namespace minirun::cgroup::v1 {

namespace {

constexpr uint8_t kAllPerms = kDevRead | kDevWrite | kDevMknod;

uint8_t perm_bits(const std::string& letters, const std::string& what) {
  return static_cast<uint8_t>(device_access_bits(letters, kDevRead, kDevWrite, kDevMknod, what));
}

std::string number(int64_t n) { return n < 0 ? std::string("*") : std::to_string(n); }

std::string line_of(const DeviceKey& k, uint8_t perms) {
  return std::string(1, k.type) + " " + number(k.major) + ":" + number(k.minor) + " " + device_perm_letters(perms);
}

int64_t parse_number(const std::string& s, const std::string& what) {
  if (s == "*") return -1;
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 10) {
    throw Error(what + ": bad device number \"" + s + "\"", EINVAL);
  }
  return std::stoll(s);
}

void add(DeviceState& st, const DeviceKey& k, uint8_t perms) {
  if (perms) st.exceptions[k] |= perms;
}

// Drops `perms` from the exception exactly matching `k`, as the kernel does;
// a wildcard exception that also covers `k` would keep them, so refuse it.
void remove(DeviceState& st, const DeviceKey& k, uint8_t perms, const std::string& what) {
  const DeviceKey partial[] = {{k.type, -1, k.minor}, {k.type, k.major, -1}, {k.type, -1, -1}};
  for (const DeviceKey& p : partial) {
    if (p == k) continue;
    auto it = st.exceptions.find(p);
    if (it != st.exceptions.end() && (it->second & perms)) {
      throw Error(what + ": rule \"" + line_of(k, perms) + "\" cannot be applied on cgroup v1: it punches a hole in \"" +
                      line_of(p, it->second) + "\"",
                  EINVAL);
    }
  }
  auto it = st.exceptions.find(k);
  if (it == st.exceptions.end()) return;
  it->second &= static_cast<uint8_t>(~perms);
  if (!it->second) st.exceptions.erase(it);
}

}  // namespace

std::string device_perm_letters(uint8_t perms) {
  std::string s;
  if (perms & kDevRead) s += 'r';
  if (perms & kDevWrite) s += 'w';
  if (perms & kDevMknod) s += 'm';
  return s;
}

DeviceState parse_devices_list(const std::string& text) {
  DeviceState st;
  for (const std::string& raw : split(text, '\n')) {
    if (raw.empty()) continue;
    const std::string what = "devices.list line \"" + raw + "\"";
    auto fields = split_words(raw);
    auto colon = fields.size() == 3 ? fields[1].find(':') : std::string::npos;
    if (colon == std::string::npos || fields[0].size() != 1) throw Error(what + ": unexpected format", EINVAL);
    DeviceKey k{fields[0][0], parse_number(fields[1].substr(0, colon), what),
                parse_number(fields[1].substr(colon + 1), what)};
    uint8_t perms = perm_bits(fields[2], what);
    if (k.type == 'a') {
      // The kernel shows a blacklist as this one line.
      if (k.major != -1 || k.minor != -1 || perms != kAllPerms) throw Error(what + ": unexpected format", EINVAL);
      st.default_allow = true;
      continue;
    }
    if (k.type != 'c' && k.type != 'b') throw Error(what + ": unknown device type", EINVAL);
    add(st, k, perms);
  }
  if (st.default_allow && !st.exceptions.empty()) throw Error("devices.list: \"a *:* rwm\" mixed with exceptions", EINVAL);
  return st;
}

DeviceState device_state_from_rules(const std::vector<spec::DeviceRule>& rules) {
  DeviceState st;
  for (size_t i = 0; i < rules.size(); ++i) {
    const spec::DeviceRule& r = rules[i];
    const std::string what = "linux.resources.devices[" + std::to_string(i) + "]";
    if (r.type.size() != 1 || (r.type != "a" && r.type != "c" && r.type != "b")) {
      throw Error(what + ": invalid type \"" + r.type + "\"", EINVAL);
    }
    uint8_t perms = perm_bits(r.access, what);
    if (r.type == "a") {  // the kernel resets the whole cgroup for any "a" rule
      st = DeviceState{r.allow, {}};
      continue;
    }
    DeviceKey k{r.type[0], r.major && *r.major >= 0 ? *r.major : -1, r.minor && *r.minor >= 0 ? *r.minor : -1};
    // An exception to the default says the opposite of it.
    if (r.allow != st.default_allow) {
      add(st, k, perms);
    } else {
      remove(st, k, perms, what);
    }
  }
  return st;
}

std::vector<DeviceWrite> device_transition(const DeviceState& from, const DeviceState& to) {
  std::vector<DeviceWrite> out;
  static const std::map<DeviceKey, uint8_t> none;
  const std::map<DeviceKey, uint8_t>* old = &from.exceptions;
  if (from.default_allow || from.default_allow != to.default_allow) {
    out.push_back({to.default_allow, "a *:* rwm"});
    old = &none;
  }
  // Exceptions lose permissions first, then gain them: each write only
  // narrows toward `to` or widens toward it, never past both.
  for (const auto& [k, perms] : *old) {
    auto it = to.exceptions.find(k);
    uint8_t dropped = perms & static_cast<uint8_t>(~(it == to.exceptions.end() ? 0 : it->second));
    if (dropped) out.push_back({to.default_allow, line_of(k, dropped)});
  }
  for (const auto& [k, perms] : to.exceptions) {
    auto it = old->find(k);
    uint8_t gained = perms & static_cast<uint8_t>(~(it == old->end() ? 0 : it->second));
    if (gained) out.push_back({!to.default_allow, line_of(k, gained)});
  }
  return out;
}

}  // namespace minirun::cgroup::v1
