// The members the OCI runtime spec (1.2) defines for each of its objects:
// config.json keeps any other member (engines add their own, as runc
// ignores them), but a near-miss of a defined name is worth a warning.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec/internal.h"
#include "spec/suggest.h"

namespace minirun::spec::detail {

namespace {

using Names = std::vector<std::string_view>;

// An object's pattern: its path with every array index written "[]" and
// every member of a free-form map written "*".  Maps whose keys are data
// (annotations, linux.sysctl, linux.resources.unified) are not listed.
const std::pair<std::string_view, Names> kObjects[] = {
    {"", {"ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks", "annotations", "linux",
          "solaris", "windows", "vm", "zos"}},
    {"process", {"terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd", "capabilities", "rlimits",
                 "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "selinuxLabel", "ioPriority", "scheduler",
                 "execCPUAffinity"}},
    {"process.consoleSize", {"height", "width"}},
    {"process.user", {"uid", "gid", "umask", "additionalGids", "username"}},
    {"process.capabilities", {"bounding", "effective", "inheritable", "permitted", "ambient"}},
    {"process.rlimits[]", {"type", "soft", "hard"}},
    {"process.ioPriority", {"class", "priority"}},
    {"process.scheduler", {"policy", "nice", "priority", "flags", "runtime", "deadline", "period"}},
    {"process.execCPUAffinity", {"initial", "final"}},
    {"root", {"path", "readonly"}},
    {"mounts[]", {"destination", "source", "options", "type", "uidMappings", "gidMappings"}},
    {"hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}},
    {"hooks.*[]", {"path", "args", "env", "timeout"}},
    {"linux", {"namespaces", "uidMappings", "gidMappings", "timeOffsets", "devices", "netDevices", "cgroupsPath",
               "rootfsPropagation", "maskedPaths", "readonlyPaths", "mountLabel", "sysctl", "resources", "seccomp",
               "intelRdt", "personality", "memoryPolicy"}},
    {"linux.namespaces[]", {"type", "path"}},
    {"linux.uidMappings[]", {"containerID", "hostID", "size"}},
    {"linux.gidMappings[]", {"containerID", "hostID", "size"}},
    {"linux.timeOffsets.*", {"secs", "nanosecs"}},
    {"linux.devices[]", {"type", "path", "major", "minor", "fileMode", "uid", "gid"}},
    {"linux.resources", {"devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits", "network", "rdma",
                         "unified"}},
    {"linux.resources.devices[]", {"allow", "type", "major", "minor", "access"}},
    {"linux.resources.memory", {"limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
                                "disableOOMKiller", "useHierarchy", "checkBeforeUpdate"}},
    {"linux.resources.cpu", {"shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems",
                             "idle"}},
    {"linux.resources.pids", {"limit"}},
    {"linux.resources.blockIO", {"weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
                                 "throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice"}},
    {"linux.resources.blockIO.weightDevice[]", {"major", "minor", "weight", "leafWeight"}},
    {"linux.resources.blockIO.*[]", {"major", "minor", "rate"}},
    {"linux.resources.hugepageLimits[]", {"pageSize", "limit"}},
    {"linux.resources.network", {"classID", "priorities"}},
    {"linux.resources.network.priorities[]", {"name", "priority"}},
    {"linux.resources.rdma.*", {"hcaHandles", "hcaObjects"}},
    {"linux.seccomp", {"defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath",
                       "listenerMetadata", "syscalls"}},
    {"linux.seccomp.syscalls[]", {"names", "action", "errnoRet", "args"}},
    {"linux.seccomp.syscalls[].args[]", {"index", "value", "valueTwo", "op"}},
    {"linux.intelRdt", {"closID", "l3CacheSchema", "memBwSchema", "schemata", "enableMonitoring", "enableCMT",
                        "enableMBM"}},
    {"linux.personality", {"domain", "flags"}},
    {"linux.memoryPolicy", {"mode", "nodes", "flags"}},
};

// The names defined for the object at `pattern`: its own entry, else the
// one with its last member name as "*" ("hooks.prestart[]" -> "hooks.*[]").
const Names* known_members(const std::string& pattern) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string p = pattern;
    if (attempt == 1) {
      size_t end = p.size();
      while (end >= 2 && p.compare(end - 2, 2, "[]") == 0) end -= 2;
      size_t dot = p.rfind('.', end);
      size_t begin = dot == std::string::npos ? 0 : dot + 1;
      p.replace(begin, end - begin, "*");
    }
    for (const auto& [name, names] : kObjects)
      if (name == p) return &names;
  }
  return nullptr;
}

void walk(const nlohmann::json& v, const std::string& pattern, const std::string& path,
          std::vector<std::string>& warnings) {
  if (v.is_array()) {
    const std::string elements = pattern + "[]";
    if (!known_members(elements)) return;  // strings (args, env, maskedPaths) or undefined objects
    for (size_t i = 0; i < v.size(); ++i) walk(v[i], elements, element_path(path, i), warnings);
    return;
  }
  if (!v.is_object()) return;
  const Names* known = known_members(pattern);
  if (!known) {
    const std::string members = pattern + ".*";  // "linux.timeOffsets": a map of objects the spec defines
    bool map_of_defined_objects = false;
    for (const auto& entry : kObjects) map_of_defined_objects |= entry.first == members;
    if (map_of_defined_objects)
      for (const auto& [key, value] : v.items()) walk(value, pattern + "." + key, member_path(path, key), warnings);
    return;
  }
  for (const auto& [key, value] : v.items()) {
    if (std::find(known->begin(), known->end(), key) == known->end()) {
      std::string guess = closest_name(key, *known);
      warnings.push_back(member_path(path, key) + ": unknown field" +
                         (guess.empty() ? "" : " (did you mean " + detail::quoted(guess) + "?)"));
    } else if (value.is_object() || value.is_array()) {
      walk(value, pattern.empty() ? key : pattern + "." + key, member_path(path, key), warnings);
    }
  }
}

}  // namespace

void find_unknown_members(const nlohmann::json& doc, std::vector<std::string>& warnings) {
  walk(doc, "", "", warnings);
}

}  // namespace minirun::spec::detail
