// spec/unknown_fields.h: members the runtime spec does not define, found in
// every object it does, and nowhere else.
#include <gtest/gtest.h>

#include "spec/unknown_fields.h"

namespace minirun::spec {
namespace {

using V = std::vector<std::string>;

V warnings_of(const std::string& json) {
  V w;
  parse_spec(json, "config.json", w);
  return w;
}

TEST(UnknownFields, NamedWithTheirPathAndTheClosestDefinedName) {
  EXPECT_EQ(warnings_of(R"({"ociVersion": "1.0.2", "root": {"path": "r", "readonyl": true},
    "process": {"cwd": "/", "args": ["sh"], "termnial": true, "user": {"uid": 0, "gid": 0, "umsak": 18}},
    "mounts": [{"destination": "/a"}, {"destination": "/b", "optoins": []}],
    "hooks": {"prestart": [{"path": "/h", "tiemout": 1}]},
    "linux": {"namespaces": [{"type": "time"}], "timeOffsets": {"monotonic": {"secs": 1, "nanosec": 2}},
              "resources": {"memroy": {}, "blockIO": {"throttleReadBpsDevice": [{"major": 1, "minor": 2, "rate": 3, "rat": 3}]}},
              "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO",
                          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ", "opp": 1}]}]}}})"),
            (V{"config.json: hooks.prestart[0].tiemout: unknown field (did you mean \"timeout\"?)",
               "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rat: unknown field (did you mean \"rate\"?)",
               "config.json: linux.resources.memroy: unknown field (did you mean \"memory\"?)",
               "config.json: linux.seccomp.syscalls[0].args[0].opp: unknown field (did you mean \"op\"?)",
               "config.json: linux.timeOffsets.monotonic.nanosec: unknown field (did you mean \"nanosecs\"?)",
               "config.json: mounts[1].optoins: unknown field (did you mean \"options\"?)",
               "config.json: process.termnial: unknown field (did you mean \"terminal\"?)",
               "config.json: process.user.umsak: unknown field (did you mean \"umask\"?)",
               "config.json: root.readonyl: unknown field (did you mean \"readonly\"?)"}));
}

TEST(UnknownFields, FreeFormMapsAndDefinedMembersSayNothing) {
  EXPECT_EQ(warnings_of(R"({"ociVersion": "1.0.2", "root": {"path": "r"},
    "annotations": {"io.podman.x": "1", "termnial": "2"},
    "linux": {"namespaces": [{"type": "network"}], "sysctl": {"net.ipv4.ip_forward": "1"}, "resources": {"unified": {"memory.hihg": "1"}},
              "intelRdt": {"closID": "a"}, "personality": {"domain": "LINUX"}},
    "process": {"cwd": "/", "args": ["sh"], "scheduler": {"policy": "SCHED_OTHER"}, "ioPriority": {"class": "IOPRIO_CLASS_BE"}}})"),
            V{});
  EXPECT_EQ(warnings_of(R"({"ociVersion": "1.0.2", "root": {"path": "r"}, "io.example.engine": {"x": 1}})"),
            V{"config.json: io.example.engine: unknown field"});
}

}  // namespace
}  // namespace minirun::spec
