// Bad configs: each one must fail with one line naming the JSON path and the cause.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"

namespace {

using nlohmann::json;
using minirun::spec::parse_spec;

// runc's default config, which parses; each case breaks one thing in it.
json base_config() { return json::parse(minirun::spec::default_spec_json(false)); }

struct BadConfig {
  const char* name;
  std::function<void(json&)> mutate;
  const char* message;  // exact, after "config.json: "
};

std::string error_of(const std::string& text) {
  try {
    parse_spec(text);
  } catch (const minirun::Error& e) {
    return e.what();
  }
  return "(no error)";
}

json seccomp_with(const json& syscall) {
  return {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array({syscall})}};
}

const BadConfig kBadConfigs[] = {
    // JSON types and ranges.
    {"uid_string", [](json& j) { j["process"]["user"]["uid"] = "0"; },
     "process.user.uid: expected an unsigned integer, got string"},
    {"uid_negative", [](json& j) { j["process"]["user"]["uid"] = -1; },
     "process.user.uid: expected an unsigned integer, got -1"},
    {"gid_too_big", [](json& j) { j["process"]["user"]["gid"] = 4294967296ULL; },
     "process.user.gid: value 4294967296 is out of range (max 2147483647)"},
    // Ids above int32 (runc's limit): uid 4294967295 is setresuid(-1), "no change", root.
    {"uid_minus_one", [](json& j) { j["process"]["user"]["uid"] = 4294967295ULL; },
     "process.user.uid: value 4294967295 is out of range (max 2147483647)"},
    {"gid_above_int32", [](json& j) { j["process"]["user"]["gid"] = 2147483648ULL; },
     "process.user.gid: value 2147483648 is out of range (max 2147483647)"},
    {"additional_gid_above_int32", [](json& j) { j["process"]["user"]["additionalGids"] = {5, 4294967295ULL}; },
     "process.user.additionalGids[1]: value 4294967295 is out of range (max 2147483647)"},
    // A NUL byte would cut the string short at the syscall: refused wherever it is.
    {"nul_in_arg", [](json& j) { j["process"]["args"] = {"sh", std::string("a\0b", 3)}; },
     "process.args[1]: contains a NUL byte"},
    {"nul_in_env", [](json& j) { j["process"]["env"][0] = std::string("A=\0", 3); },
     "process.env[0]: contains a NUL byte"},
    {"nul_in_cwd", [](json& j) { j["process"]["cwd"] = std::string("/\0tmp", 5); }, "process.cwd: contains a NUL byte"},
    {"nul_in_root_path", [](json& j) { j["root"]["path"] = std::string("rootfs\0x", 8); },
     "root.path: contains a NUL byte"},
    {"nul_in_hostname", [](json& j) { j["hostname"] = std::string("h\0x", 3); }, "hostname: contains a NUL byte"},
    {"nul_in_mount_source", [](json& j) { j["mounts"][1]["source"] = std::string("/x\0y", 4); },
     "mounts[1].source: contains a NUL byte"},
    {"nul_in_mount_option", [](json& j) { j["mounts"][1]["options"] = {std::string("ro\0", 3)}; },
     "mounts[1].options[0]: contains a NUL byte"},
    {"nul_in_hook_path", [](json& j) { j["hooks"] = {{"prestart", {{{"path", std::string("/bin/true\0x", 11)}}}}}; },
     "hooks.prestart[0].path: contains a NUL byte"},
    {"nul_in_namespace_path", [](json& j) { j["linux"]["namespaces"][1]["path"] = std::string("/proc/1/ns/net\0", 15); },
     "linux.namespaces[1].path: contains a NUL byte"},
    {"nul_in_masked_path", [](json& j) { j["linux"]["maskedPaths"][0] = std::string("/proc\0", 6); },
     "linux.maskedPaths[0]: contains a NUL byte"},
    {"nul_in_device_path",
     [](json& j) { j["linux"]["devices"] = {{{"type", "c"}, {"path", std::string("/dev/x\0", 7)}, {"major", 1}, {"minor", 3}}}; },
     "linux.devices[0].path: contains a NUL byte"},
    {"nul_in_listener_path",
     [](json& j) { j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", std::string("/s\0", 3)}}; },
     "linux.seccomp.listenerPath: contains a NUL byte"},
    {"nul_in_annotation_key", [](json& j) { j["annotations"] = {{std::string("a\0b", 3), "v"}}; },
     "annotations: a key contains a NUL byte"},
    {"terminal_string", [](json& j) { j["process"]["terminal"] = "yes"; },
     "process.terminal: expected a boolean, got string"},
    {"args_not_strings", [](json& j) { j["process"]["args"] = {"sh", 1}; },
     "process.args[1]: expected a string, got number"},
    {"mounts_object", [](json& j) { j["mounts"] = json::object(); }, "mounts: expected an array, got object"},
    {"process_array", [](json& j) { j["process"] = json::array(); }, "process: expected an object, got array"},
    {"memory_limit_float", [](json& j) { j["linux"]["resources"]["memory"] = {{"limit", 1.5}}; },
     "linux.resources.memory.limit: expected an integer, got 1.5"},
    {"annotation_number", [](json& j) { j["annotations"] = {{"a", 1}}; },
     "annotations[\"a\"]: expected a string, got number"},
    {"swappiness_negative", [](json& j) { j["linux"]["resources"]["memory"] = {{"swappiness", -5}}; },
     "linux.resources.memory.swappiness: expected an unsigned integer, got -5"},
    // Required members.
    {"oci_version_missing", [](json& j) { j.erase("ociVersion"); }, "ociVersion: must be set"},
    {"root_missing", [](json& j) { j.erase("root"); }, "root: must be set"},
    {"root_path_missing", [](json& j) { j["root"].erase("path"); }, "root.path: must be set"},
    {"cwd_missing", [](json& j) { j["process"].erase("cwd"); }, "process.cwd: must be set"},
    {"mount_destination_missing", [](json& j) { j["mounts"][1].erase("destination"); },
     "mounts[1].destination: must be set"},
    {"char_device_without_major", [](json& j) { j["linux"]["devices"] = {{{"type", "c"}, {"path", "/dev/fuse"}}}; },
     "linux.devices[0].major: must be set"},
    // Process.
    {"args_empty", [](json& j) { j["process"]["args"] = json::array(); }, "process.args: must not be empty"},
    {"cwd_relative", [](json& j) { j["process"]["cwd"] = "tmp"; },
     "process.cwd: must be an absolute path, got \"tmp\""},
    {"env_without_equals", [](json& j) { j["process"]["env"][1] = "TERM"; },
     "process.env[1]: invalid environment variable \"TERM\": missing '='"},
    {"unknown_capability", [](json& j) { j["process"]["capabilities"]["bounding"][1] = "CAP_BOGUS"; },
     "process.capabilities.bounding[1]: unknown capability \"CAP_BOGUS\""},
    {"unknown_rlimit", [](json& j) { j["process"]["rlimits"][0]["type"] = "RLIMIT_BOGUS"; },
     "process.rlimits[0].type: unknown rlimit type \"RLIMIT_BOGUS\""},
    {"duplicate_rlimit", [](json& j) { j["process"]["rlimits"].push_back(j["process"]["rlimits"][0]); },
     "process.rlimits[1].type: duplicate rlimit type \"RLIMIT_NOFILE\""},
    {"rlimit_soft_above_hard", [](json& j) { j["process"]["rlimits"][0]["soft"] = 2048; },
     "process.rlimits[0]: soft limit 2048 is greater than hard limit 1024"},
    {"oom_score_adj_range", [](json& j) { j["process"]["oomScoreAdj"] = 5000; },
     "process.oomScoreAdj: must be between -1000 and 1000, got 5000"},
    {"scheduler_priority_other", [](json& j) { j["process"]["scheduler"] = {{"policy", "SCHED_OTHER"}, {"priority", 5}}; },
     "process.scheduler.priority: can only be set for SCHED_FIFO or SCHED_RR"},
    {"scheduler_policy_missing", [](json& j) { j["process"]["scheduler"] = {{"nice", 1}}; },
     "process.scheduler.policy: must be set"},
    {"io_priority_class", [](json& j) { j["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BOGUS"}}; },
     "process.ioPriority.class: unknown io priority class \"IOPRIO_CLASS_BOGUS\""},
    {"umask_too_big", [](json& j) { j["process"]["user"]["umask"] = 01000; },
     "process.user.umask: must be at most 0777 (511), got 512"},
    // Mounts and hooks.
    {"mount_relative", [](json& j) { j["mounts"][2]["destination"] = "proc"; },
     "mounts[2].destination: must be an absolute path, got \"proc\""},
    {"hook_relative", [](json& j) { j["hooks"] = {{"prestart", {{{"path", "hook"}}}}}; },
     "hooks.prestart[0].path: must be an absolute path, got \"hook\""},
    {"hook_timeout_zero", [](json& j) { j["hooks"] = {{"poststop", {{{"path", "/bin/true"}, {"timeout", 0}}}}}; },
     "hooks.poststop[0].timeout: must be greater than zero, got 0"},
    // Namespaces and what needs them.
    {"unknown_namespace", [](json& j) { j["linux"]["namespaces"][3]["type"] = "bogus"; },
     "linux.namespaces[3].type: unknown namespace type \"bogus\""},
    {"duplicate_namespace", [](json& j) { j["linux"]["namespaces"].push_back({{"type", "pid"}}); },
     "linux.namespaces[5].type: duplicate namespace \"pid\""},
    {"namespace_path_relative", [](json& j) { j["linux"]["namespaces"][1]["path"] = "netns"; },
     "linux.namespaces[1].path: must be an absolute path, got \"netns\""},
    {"mappings_without_userns",
     [](json& j) { j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}}; },
     "linux.uidMappings: user namespace mappings specified, but no user namespace in linux.namespaces"},
    {"userns_without_mappings", [](json& j) { j["linux"]["namespaces"].push_back({{"type", "user"}}); },
     "linux.uidMappings: user namespaces enabled, but no uid mappings found"},
    {"mapping_size_zero",
     [](json& j) {
       j["linux"]["namespaces"].push_back({{"type", "user"}});
       j["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 1}}};
       j["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000}, {"size", 0}}};
     },
     "linux.gidMappings[0].size: must be greater than zero"},
    {"time_offsets_without_timens", [](json& j) { j["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 10}}}}; },
     "linux.timeOffsets: time namespace offsets specified, but no time namespace in linux.namespaces"},
    {"time_offsets_unknown_clock", [](json& j) { j["linux"]["timeOffsets"] = {{"realtime", {{"secs", 10}}}}; },
     "linux.timeOffsets[\"realtime\"]: unknown clock \"realtime\" (want monotonic or boottime)"},
    {"hostname_without_uts", [](json& j) { j["linux"]["namespaces"].erase(3); },
     "hostname: unable to set hostname without a private UTS namespace"},
    {"masked_paths_without_mountns", [](json& j) { j["linux"]["namespaces"].erase(4); },
     "linux.maskedPaths: unable to restrict paths without a private mount namespace"},
    {"sysctl_empty_key", [](json& j) { j["linux"]["sysctl"] = {{"", "1"}}; },
     "linux.sysctl[\"\"]: key must not be empty"},
    {"sysctl_not_namespaced", [](json& j) { j["linux"]["sysctl"] = {{"vm.swappiness", "10"}}; },
     "linux.sysctl[\"vm.swappiness\"]: not in a separate kernel namespace"},
    {"sysctl_net_without_netns",
     [](json& j) {
       j["linux"]["namespaces"].erase(1);
       j["linux"]["sysctl"] = {{"net/ipv4/ip_forward", "1"}};
     },
     "linux.sysctl[\"net/ipv4/ip_forward\"]: not allowed without a network namespace"},
    // Devices and resources.
    {"device_type", [](json& j) { j["linux"]["devices"] = {{{"type", "x"}, {"path", "/dev/x"}}}; },
     "linux.devices[0].type: unknown device type \"x\" (want c, b, u or p)"},
    {"device_path_relative",
     [](json& j) { j["linux"]["devices"] = {{{"type", "c"}, {"path", "fuse"}, {"major", 10}, {"minor", 229}}}; },
     "linux.devices[0].path: must be an absolute path, got \"fuse\""},
    {"device_rule_access", [](json& j) { j["linux"]["resources"]["devices"][0]["access"] = "rwx"; },
     "linux.resources.devices[0].access: invalid access \"rwx\" (want letters of \"rwm\")"},
    {"device_rule_type", [](json& j) { j["linux"]["resources"]["devices"][0]["type"] = "p"; },
     "linux.resources.devices[0].type: unknown device type \"p\""},
    {"swap_below_limit", [](json& j) { j["linux"]["resources"]["memory"] = {{"limit", 2048}, {"swap", 1024}}; },
     "linux.resources.memory.swap: memory+swap limit 1024 must be at least the memory limit 2048"},
    {"cpuset_bad", [](json& j) { j["linux"]["resources"]["cpu"] = {{"cpus", "0-"}}; },
     "linux.resources.cpu.cpus: invalid list \"0-\""},
    {"unified_escapes", [](json& j) { j["linux"]["resources"]["unified"] = {{"../memory.max", "1"}}; },
     "linux.resources.unified[\"../memory.max\"]: must be a cgroup file name"},
    {"rootfs_propagation", [](json& j) { j["linux"]["rootfsPropagation"] = "bogus"; },
     "linux.rootfsPropagation: unknown propagation \"bogus\""},
    {"personality_domain", [](json& j) { j["linux"]["personality"] = {{"domain", "LINUX64"}}; },
     "linux.personality.domain: unknown personality domain \"LINUX64\""},
    // Seccomp.
    {"seccomp_default_action", [](json& j) { j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_BOGUS"}}; },
     "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_BOGUS\""},
    {"seccomp_arch",
     [](json& j) { j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_Z80"}}}; },
     "linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_Z80\""},
    {"seccomp_flag",
     [](json& j) { j["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {"SECCOMP_FILTER_FLAG_X"}}}; },
     "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_X\""},
    {"seccomp_op",
     [](json& j) {
       j["linux"]["seccomp"] = seccomp_with({{"names", {"personality"}},
                                             {"action", "SCMP_ACT_ALLOW"},
                                             {"args", {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_BOGUS"}}}}});
     },
     "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_BOGUS\""},
    {"seccomp_arg_index",
     [](json& j) {
       j["linux"]["seccomp"] = seccomp_with({{"names", {"personality"}},
                                             {"action", "SCMP_ACT_ALLOW"},
                                             {"args", {{{"index", 6}, {"value", 8}, {"op", "SCMP_CMP_EQ"}}}}});
     },
     "linux.seccomp.syscalls[0].args[0].index: must be between 0 and 5, got 6"},
    {"seccomp_names_empty",
     [](json& j) { j["linux"]["seccomp"] = seccomp_with({{"names", json::array()}, {"action", "SCMP_ACT_ALLOW"}}); },
     "linux.seccomp.syscalls[0].names: must not be empty"},
    {"seccomp_errno_ret_with_allow",
     [](json& j) {
       j["linux"]["seccomp"] = seccomp_with({{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}, {"errnoRet", 1}});
     },
     "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
    {"seccomp_notify_without_listener",
     [](json& j) { j["linux"]["seccomp"] = seccomp_with({{"names", {"mount"}}, {"action", "SCMP_ACT_NOTIFY"}}); },
     "linux.seccomp.listenerPath: must be set when SCMP_ACT_NOTIFY is used"},
};

class BadConfigTest : public testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, NamesPathAndCause) {
  json config = base_config();
  GetParam().mutate(config);
  EXPECT_EQ(error_of(config.dump()), std::string("config.json: ") + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Spec, BadConfigTest, testing::ValuesIn(kBadConfigs),
                         [](const testing::TestParamInfo<BadConfig>& info) { return std::string(info.param.name); });

TEST(SpecErrors, TopLevelNotAnObject) {
  EXPECT_EQ(error_of("[1, 2]"), "config.json: expected an object, got array");
}

TEST(SpecErrors, InvalidJsonNamesLineAndColumn) {
  std::string text = "{\n\t\"ociVersion\": \"1.0.2\",\n\tbogus\n}";
  EXPECT_EQ(error_of(text).rfind("config.json: invalid JSON at line 3, column 2: syntax error", 0), 0u)
      << error_of(text);
}

// Found by tests/fuzz/config_fuzz: nlohmann reports a number too large for
// a double as out_of_range, not parse_error; it escaped as an exception no
// caller expects (std::terminate in the fuzzer).
TEST(SpecErrors, NumberTooLargeIsInvalidJson) {
  EXPECT_EQ(error_of("{\"ociVersion\": 8888888888E8888888888}").rfind("config.json: invalid JSON: number overflow", 0), 0u)
      << error_of("{\"ociVersion\": 8888888888E8888888888}");
}

TEST(SpecErrors, InvalidJsonAtEndOfInput) {
  EXPECT_EQ(error_of("{").rfind("config.json: invalid JSON at line 1, column 2: ", 0), 0u) << error_of("{");
  EXPECT_EQ(error_of("").rfind("config.json: invalid JSON at line 1, column 1: ", 0), 0u) << error_of("");
}

TEST(SpecErrors, ErrorIsOneLine) {
  for (const BadConfig& bad : kBadConfigs) {
    json config = base_config();
    bad.mutate(config);
    EXPECT_EQ(error_of(config.dump(1, '\t')).find('\n'), std::string::npos) << bad.name;
  }
  EXPECT_EQ(error_of("{\n\n  x").find('\n'), std::string::npos);
}

TEST(SpecErrors, LabelNamesTheSource) {
  EXPECT_EQ(error_of("{}"), "config.json: ociVersion: must be set");
  try {
    parse_spec("{}", "/b/config.json");
    FAIL();
  } catch (const minirun::Error& e) {
    EXPECT_STREQ(e.what(), "/b/config.json: ociVersion: must be set");
  }
}

}  // namespace
