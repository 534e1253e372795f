// The "process" object (also the whole file of `exec --process`).
#include "spec/internal.h"

namespace minirun::spec::detail {

namespace {

User read_user(const JsonNode& node) {
  User u;
  if (auto uid = node.member("uid")) u.uid = uid->as_id();
  if (auto gid = node.member("gid")) u.gid = gid->as_id();
  node.read("umask", u.umask);
  if (auto gids = node.member("additionalGids"))
    for (const JsonNode& e : gids->elements()) u.additional_gids.push_back(e.as_id());
  node.read("username", u.username);
  return u;
}

Capabilities read_capabilities(const JsonNode& node) {
  Capabilities c;
  node.read("bounding", c.bounding);
  node.read("effective", c.effective);
  node.read("inheritable", c.inheritable);
  node.read("permitted", c.permitted);
  node.read("ambient", c.ambient);
  return c;
}

Rlimit read_rlimit(const JsonNode& node) {
  Rlimit r;
  JsonNode type = node.required("type");
  r.type = type.as<std::string>();
  auto resource = rlimit_resource_from_name(r.type);
  if (!resource) type.fail("unknown rlimit type \"" + r.type + "\"");
  r.resource = *resource;
  r.soft = node.required("soft").as<uint64_t>();
  r.hard = node.required("hard").as<uint64_t>();
  return r;
}

Scheduler read_scheduler(const JsonNode& node) {
  Scheduler s;
  node.read("policy", s.policy);
  node.read("nice", s.nice);
  node.read("priority", s.priority);
  node.read("flags", s.flags);
  node.read("runtime", s.runtime);
  node.read("deadline", s.deadline);
  node.read("period", s.period);
  return s;
}

IoPriority read_io_priority(const JsonNode& node) {
  IoPriority io;
  io.io_class = node.required("class").as<std::string>();
  node.read("priority", io.priority);
  return io;
}

ExecCpuAffinity read_exec_cpu_affinity(const JsonNode& node) {
  ExecCpuAffinity a;
  node.read("initial", a.initial);
  node.read("final", a.final);
  return a;
}

}  // namespace

Process read_process(const JsonNode& node) {
  node.expect_object();
  Process p;
  node.read("terminal", p.terminal);
  if (auto size = node.member("consoleSize")) {
    ConsoleSize cs;
    size->read("height", cs.height);
    size->read("width", cs.width);
    p.console_size = cs;
  }
  if (auto user = node.member("user")) p.user = read_user(*user);
  node.read("args", p.args);
  node.read("commandLine", p.command_line);
  node.read("env", p.env);
  // Required like runc ("Cwd property must not be empty"): no silent default.
  p.cwd = node.required("cwd").as<std::string>();
  if (auto caps = node.member("capabilities")) p.capabilities = read_capabilities(*caps);
  node.read_list("rlimits", p.rlimits, read_rlimit);
  node.read("noNewPrivileges", p.no_new_privileges);
  node.read("oomScoreAdj", p.oom_score_adj);
  node.read("apparmorProfile", p.apparmor_profile);
  node.read("selinuxLabel", p.selinux_label);
  if (auto sched = node.member("scheduler")) p.scheduler = read_scheduler(*sched);
  if (auto io = node.member("ioPriority")) p.io_priority = read_io_priority(*io);
  if (auto affinity = node.member("execCPUAffinity")) p.exec_cpu_affinity = read_exec_cpu_affinity(*affinity);
  return p;
}

}  // namespace minirun::spec::detail
