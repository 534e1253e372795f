// The "linux" object: namespaces, id maps, devices, resources, seccomp, ...
#include "spec/internal.h"

namespace minirun::spec::detail {

namespace {

Namespace read_namespace(const JsonNode& node) {
  JsonNode type = node.required("type");
  std::string name = type.as<std::string>();
  auto t = namespace_type_from_name(name);
  if (!t) type.fail("unknown namespace type \"" + name + "\"");
  Namespace ns{*t, ""};
  node.read("path", ns.path);
  return ns;
}

IdMapping read_id_mapping(const JsonNode& node) {
  IdMapping m;
  m.container_id = node.required("containerID").as<uint32_t>();
  m.host_id = node.required("hostID").as<uint32_t>();
  m.size = node.required("size").as<uint32_t>();
  return m;
}

Device read_device(const JsonNode& node) {
  Device d;
  JsonNode type = node.required("type");
  d.type = type.as<std::string>();
  if (d.type != "c" && d.type != "b" && d.type != "u" && d.type != "p") {
    type.fail("unknown device type \"" + d.type + "\" (want c, b, u or p)");
  }
  d.path = node.required("path").as<std::string>();
  // A fifo has no numbers; char and block devices must say which device.
  if (d.type == "p") {
    node.read("major", d.major);
    node.read("minor", d.minor);
  } else {
    d.major = node.required("major").as<int64_t>();
    d.minor = node.required("minor").as<int64_t>();
  }
  node.read("fileMode", d.file_mode);
  node.read("uid", d.uid);
  node.read("gid", d.gid);
  return d;
}

// -1 is runc's wildcard as much as an absent number; both become nullopt.
std::optional<int64_t> read_device_number(const JsonNode& node, const char* key) {
  auto m = node.member(key);
  if (!m) return std::nullopt;
  int64_t v = m->as<int64_t>();
  if (v == -1) return std::nullopt;
  if (v < 0) m->fail("must be a device number or -1 for any, got " + std::to_string(v));
  return v;
}

DeviceRule read_device_rule(const JsonNode& node) {
  DeviceRule r;
  r.allow = node.required("allow").as<bool>();
  node.read("type", r.type);
  if (r.type.empty()) r.type = "a";
  r.major = read_device_number(node, "major");
  r.minor = read_device_number(node, "minor");
  node.read("access", r.access);
  if (r.access.empty()) r.access = "rwm";
  return r;
}

Memory read_memory(const JsonNode& node) {
  Memory m;
  node.read("limit", m.limit);
  node.read("reservation", m.reservation);
  node.read("swap", m.swap);
  node.read("kernel", m.kernel);
  node.read("kernelTCP", m.kernel_tcp);
  node.read("swappiness", m.swappiness);
  node.read("disableOOMKiller", m.disable_oom_killer);
  node.read("useHierarchy", m.use_hierarchy);
  node.read("checkBeforeUpdate", m.check_before_update);
  return m;
}

Cpu read_cpu(const JsonNode& node) {
  Cpu c;
  node.read("shares", c.shares);
  node.read("quota", c.quota);
  node.read("burst", c.burst);
  node.read("period", c.period);
  node.read("realtimeRuntime", c.realtime_runtime);
  node.read("realtimePeriod", c.realtime_period);
  node.read("cpus", c.cpus);
  node.read("mems", c.mems);
  node.read("idle", c.idle);
  return c;
}

WeightDevice read_weight_device(const JsonNode& node) {
  WeightDevice w;
  w.major = node.required("major").as<int64_t>();
  w.minor = node.required("minor").as<int64_t>();
  node.read("weight", w.weight);
  node.read("leafWeight", w.leaf_weight);
  return w;
}

ThrottleDevice read_throttle_device(const JsonNode& node) {
  ThrottleDevice t;
  t.major = node.required("major").as<int64_t>();
  t.minor = node.required("minor").as<int64_t>();
  t.rate = node.required("rate").as<uint64_t>();
  return t;
}

BlockIO read_block_io(const JsonNode& node) {
  BlockIO b;
  node.read("weight", b.weight);
  node.read("leafWeight", b.leaf_weight);
  node.read_list("weightDevice", b.weight_device, read_weight_device);
  node.read_list("throttleReadBpsDevice", b.throttle_read_bps, read_throttle_device);
  node.read_list("throttleWriteBpsDevice", b.throttle_write_bps, read_throttle_device);
  node.read_list("throttleReadIOPSDevice", b.throttle_read_iops, read_throttle_device);
  node.read_list("throttleWriteIOPSDevice", b.throttle_write_iops, read_throttle_device);
  return b;
}

HugepageLimit read_hugepage_limit(const JsonNode& node) {
  HugepageLimit h;
  h.page_size = node.required("pageSize").as<std::string>();
  h.limit = node.required("limit").as<uint64_t>();
  return h;
}

NetPriority read_net_priority(const JsonNode& node) {
  NetPriority p;
  p.name = node.required("name").as<std::string>();
  p.priority = node.required("priority").as<uint32_t>();
  return p;
}

NetworkResources read_network(const JsonNode& node) {
  NetworkResources n;
  node.read("classID", n.class_id);
  node.read_list("priorities", n.priorities, read_net_priority);
  return n;
}

SeccompArg read_seccomp_arg(const JsonNode& node) {
  SeccompArg a;
  a.index = node.required("index").as<uint32_t>();
  a.value = node.required("value").as<uint64_t>();
  node.read("valueTwo", a.value_two);
  a.op = node.required("op").as<std::string>();
  return a;
}

SeccompSyscall read_seccomp_syscall(const JsonNode& node) {
  SeccompSyscall s;
  s.names = node.required("names").as<std::vector<std::string>>();
  s.action = node.required("action").as<std::string>();
  node.read("errnoRet", s.errno_ret);
  node.read_list("args", s.args, read_seccomp_arg);
  return s;
}

Seccomp read_seccomp(const JsonNode& node) {
  Seccomp s;
  s.default_action = node.required("defaultAction").as<std::string>();
  node.read("defaultErrnoRet", s.default_errno_ret);
  node.read("architectures", s.architectures);
  node.read("flags", s.flags);
  node.read("listenerPath", s.listener_path);
  node.read("listenerMetadata", s.listener_metadata);
  node.read_list("syscalls", s.syscalls, read_seccomp_syscall);
  return s;
}

TimeOffset read_time_offset(const JsonNode& node) {
  TimeOffset t;
  node.read("secs", t.secs);
  node.read("nanosecs", t.nanosecs);
  return t;
}

Personality read_personality(const JsonNode& node) {
  Personality p;
  p.domain = node.required("domain").as<std::string>();
  node.read("flags", p.flags);
  return p;
}

}  // namespace

Resources read_resources(const JsonNode& node) {
  node.expect_object();
  Resources r;
  node.read_list("devices", r.devices, read_device_rule);
  if (auto m = node.member("memory")) r.memory = read_memory(*m);
  if (auto c = node.member("cpu")) r.cpu = read_cpu(*c);
  if (auto p = node.member("pids")) {
    Pids pids;
    p->read("limit", pids.limit);
    r.pids = pids;
  }
  if (auto b = node.member("blockIO")) r.block_io = read_block_io(*b);
  node.read_list("hugepageLimits", r.hugepage_limits, read_hugepage_limit);
  if (auto n = node.member("network")) r.network = read_network(*n);
  if (auto rdma = node.member("rdma")) {
    for (const auto& [device, limits] : rdma->entries()) {
      Rdma entry;
      limits.read("hcaHandles", entry.hca_handles);
      limits.read("hcaObjects", entry.hca_objects);
      r.rdma[device] = entry;
    }
  }
  node.read("unified", r.unified);
  return r;
}

Linux read_linux(const JsonNode& node) {
  node.expect_object();
  Linux l;
  node.read_list("namespaces", l.namespaces, read_namespace);
  node.read_list("uidMappings", l.uid_mappings, read_id_mapping);
  node.read_list("gidMappings", l.gid_mappings, read_id_mapping);
  node.read_list("devices", l.devices, read_device);
  if (auto r = node.member("resources")) l.resources = read_resources(*r);
  node.read("cgroupsPath", l.cgroups_path);
  node.read("sysctl", l.sysctl);
  if (auto s = node.member("seccomp")) l.seccomp = read_seccomp(*s);
  node.read("maskedPaths", l.masked_paths);
  node.read("readonlyPaths", l.readonly_paths);
  node.read("rootfsPropagation", l.rootfs_propagation);
  node.read("mountLabel", l.mount_label);
  if (auto offsets = node.member("timeOffsets")) {
    for (const auto& [clock, offset] : offsets->entries()) {
      if (clock != "monotonic" && clock != "boottime") {
        offset.fail("unknown clock \"" + clock + "\" (want monotonic or boottime)");
      }
      l.time_offsets[clock] = read_time_offset(offset);
    }
  }
  if (auto p = node.member("personality")) l.personality = read_personality(*p);
  return l;
}

}  // namespace minirun::spec::detail
