// Name tables: namespaces, capabilities and rlimits as the config spells them.
#include <sys/resource.h>

#include <array>
#include <cstdio>
#include <string_view>
#include <utility>

#include "spec/internal.h"

namespace minirun::spec {

namespace {

constexpr std::array<std::pair<NamespaceType, const char*>, 8> kNamespaceNames{{
    {NamespaceType::pid, "pid"},
    {NamespaceType::network, "network"},
    {NamespaceType::mount, "mount"},
    {NamespaceType::ipc, "ipc"},
    {NamespaceType::uts, "uts"},
    {NamespaceType::user, "user"},
    {NamespaceType::cgroup, "cgroup"},
    {NamespaceType::time, "time"},
}};

// Index = capability number (linux/capability.h); no libcap in spec/.
constexpr std::array<const char*, 41> kCapabilityNames{
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr std::array<std::pair<const char*, int>, 16> kRlimitNames{{
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
}};

}  // namespace

const char* namespace_type_name(NamespaceType t) {
  for (const auto& [type, name] : kNamespaceNames) {
    if (type == t) return name;
  }
  return "unknown";
}

bool is_known_capability(const std::string& name) {
  for (const char* known : kCapabilityNames) {
    if (name == known) return true;
  }
  return false;
}

std::vector<std::string> known_capabilities() { return {kCapabilityNames.begin(), kCapabilityNames.end()}; }

bool Linux::has_namespace(NamespaceType t) const { return find_namespace(t) != nullptr; }

const Namespace* Linux::find_namespace(NamespaceType t) const {
  for (const Namespace& ns : namespaces) {
    if (ns.type == t) return &ns;
  }
  return nullptr;
}

namespace detail {

std::optional<NamespaceType> namespace_type_from_name(const std::string& name) {
  for (const auto& [type, known] : kNamespaceNames) {
    if (name == known) return type;
  }
  return std::nullopt;
}

std::optional<int> rlimit_resource_from_name(const std::string& name) {
  for (const auto& [known, resource] : kRlimitNames) {
    if (name == known) return resource;
  }
  return std::nullopt;
}

namespace {

struct Fnv1a {
  uint64_t hash = 0xcbf29ce484222325ULL;
  void add(const void* data, size_t size) {
    for (const unsigned char* p = static_cast<const unsigned char*>(data); size--; ++p) {
      hash ^= *p;
      hash *= 0x100000001b3ULL;
    }
  }
  void add_tag(nlohmann::json::value_t t) { add(&t, sizeof t); }
  void add_string(const std::string& s) {
    uint64_t n = s.size();
    add(&n, sizeof n);  // length first: ["ab","c"] and ["a","bc"] differ
    add(s.data(), s.size());
  }
  // Walks the parsed value rather than hashing dump(): dumping podman's
  // profile cost 1.3M instructions per run, this walk a tenth of that.
  void add_value(const nlohmann::json& v) {
    add_tag(v.type());
    switch (v.type()) {
      case nlohmann::json::value_t::object:
        // nlohmann::json keeps object members sorted by key.
        for (const auto& [key, member] : v.get_ref<const nlohmann::json::object_t&>()) {
          add_string(key);
          add_value(member);
        }
        break;
      case nlohmann::json::value_t::array: {
        uint64_t n = v.size();
        add(&n, sizeof n);
        for (const auto& e : v) add_value(e);
        break;
      }
      case nlohmann::json::value_t::string: add_string(v.get_ref<const std::string&>()); break;
      case nlohmann::json::value_t::boolean: { bool b = v.get<bool>(); add(&b, sizeof b); break; }
      case nlohmann::json::value_t::number_integer: { int64_t i = v.get<int64_t>(); add(&i, sizeof i); break; }
      case nlohmann::json::value_t::number_unsigned: { uint64_t u = v.get<uint64_t>(); add(&u, sizeof u); break; }
      case nlohmann::json::value_t::number_float: { double d = v.get<double>(); add(&d, sizeof d); break; }
      default: break;  // null, binary, discarded: the tag says it all
    }
  }
};

}  // namespace

std::string json_hash_hex(const nlohmann::json& value) {
  Fnv1a h;
  h.add_value(value);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h.hash));
  return out;
}

}  // namespace detail

}  // namespace minirun::spec
