// Meaning checks on the parsed Spec, before any syscall (runc: configs/validate).
// Each failure is one line "json.path: cause".
#include <cctype>
#include <set>

#include "spec/internal.h"
#include "spec/strings.h"

namespace minirun::spec {

using detail::element_path;
using detail::fail_at;
using detail::member_path;
using detail::quoted;

namespace detail {

void check_one_of(const std::string& path, const std::string& value, std::initializer_list<std::string_view> known,
                  const char* what) {
  for (std::string_view k : known) {
    if (value == k) return;
  }
  fail_at(path, std::string("unknown ") + what + " " + quoted(value));
}

namespace {

// Reads a decimal number at `pos`; false when there is none.
bool read_number(const std::string& s, size_t& pos, unsigned long& out) {
  size_t start = pos;
  out = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
    if (pos - start > 6) return false;  // no machine has a million cpus
    out = out * 10 + static_cast<unsigned long>(s[pos++] - '0');
  }
  return pos > start;
}

}  // namespace

bool is_cpu_list(const std::string& list) {
  size_t pos = 0;
  for (;;) {
    unsigned long first = 0, last = 0;
    if (!read_number(list, pos, first)) return false;
    if (pos < list.size() && list[pos] == '-') {
      ++pos;
      if (!read_number(list, pos, last) || last < first) return false;
      // The kernel's stride form "0-7:2/4".
      if (pos < list.size() && list[pos] == ':') {
        unsigned long used = 0, group = 0;
        ++pos;
        if (!read_number(list, pos, used) || pos >= list.size() || list[pos++] != '/') return false;
        if (!read_number(list, pos, group) || group == 0) return false;
      }
    }
    if (pos == list.size()) return true;
    if (list[pos++] != ',') return false;
  }
}

}  // namespace detail

namespace {

void check_absolute(const std::string& path, const std::string& value) {
  if (!detail::is_absolute_path(value)) fail_at(path, "must be an absolute path, got " + quoted(value));
}

void check_capabilities(const Capabilities& caps, const std::string& where) {
  const std::pair<const char*, const std::vector<std::string>*> sets[] = {
      {"bounding", &caps.bounding},       {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
      {"permitted", &caps.permitted},     {"ambient", &caps.ambient},
  };
  for (const auto& [name, list] : sets) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (!is_known_capability((*list)[i])) {
        fail_at(element_path(member_path(where, name), i), "unknown capability " + quoted((*list)[i]));
      }
    }
  }
}

void check_id(const std::string& path, uint32_t id) {
  if (id > kMaxId) {
    fail_at(path, "value " + std::to_string(id) + " is out of range (max " + std::to_string(kMaxId) + ")");
  }
}

void check_env(const std::vector<std::string>& env, const std::string& where) {
  for (size_t i = 0; i < env.size(); ++i) {
    const std::string& kv = env[i];
    size_t eq = kv.find('=');
    std::string path = element_path(where, i);
    if (eq == std::string::npos) fail_at(path, "invalid environment variable " + quoted(kv) + ": missing '='");
    if (eq == 0) fail_at(path, "invalid environment variable " + quoted(kv) + ": name must not be empty");
    if (kv.find('\0') != std::string::npos) fail_at(path, "contains a NUL byte");
  }
}

void check_rlimits(const std::vector<Rlimit>& rlimits, const std::string& where) {
  std::set<std::string> seen;
  for (size_t i = 0; i < rlimits.size(); ++i) {
    const Rlimit& r = rlimits[i];
    std::string path = element_path(where, i);
    if (!seen.insert(r.type).second) fail_at(member_path(path, "type"), "duplicate rlimit type " + quoted(r.type));
    if (r.soft > r.hard) {
      fail_at(path, "soft limit " + std::to_string(r.soft) + " is greater than hard limit " + std::to_string(r.hard));
    }
  }
}

// runc's scheduler checks, after sched_setattr(2).
void check_scheduler(const Scheduler& s, const std::string& where) {
  std::string policy_path = member_path(where, "policy");
  if (s.policy.empty()) fail_at(policy_path, "must be set");
  detail::check_one_of(policy_path, s.policy,
                       {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
                        "SCHED_DEADLINE"},
                       "scheduler policy");
  if (s.nice < -20 || s.nice > 19) {
    fail_at(member_path(where, "nice"), "must be between -20 and 19, got " + std::to_string(s.nice));
  }
  if (s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR") {
    fail_at(member_path(where, "priority"), "can only be set for SCHED_FIFO or SCHED_RR");
  }
  if (s.policy != "SCHED_DEADLINE" && (s.runtime != 0 || s.deadline != 0 || s.period != 0)) {
    fail_at(where, "runtime, deadline and period can only be set for SCHED_DEADLINE");
  }
  for (size_t i = 0; i < s.flags.size(); ++i) {
    detail::check_one_of(element_path(member_path(where, "flags"), i), s.flags[i],
                         {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
                          "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
                          "SCHED_FLAG_UTIL_CLAMP_MAX"},
                         "scheduler flag");
  }
}

void check_io_priority(const IoPriority& io, const std::string& where) {
  detail::check_one_of(member_path(where, "class"), io.io_class,
                       {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"}, "io priority class");
  if (io.priority < 0 || io.priority > 7) {
    fail_at(member_path(where, "priority"), "must be between 0 and 7, got " + std::to_string(io.priority));
  }
}

void check_hooks(const std::vector<Hook>& hooks, const std::string& where) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    std::string path = element_path(where, i);
    check_absolute(member_path(path, "path"), hooks[i].path);
    if (hooks[i].timeout && *hooks[i].timeout <= 0) {
      fail_at(member_path(path, "timeout"), "must be greater than zero, got " + std::to_string(*hooks[i].timeout));
    }
  }
}

}  // namespace

void validate_process(const Process& p, const std::string& where) {
  if (p.args.empty()) fail_at(member_path(where, "args"), "must not be empty");
  // A process built from the command line (exec) did not go through the
  // JSON reader's checks: no NUL byte, no id that wraps to root.
  for (size_t i = 0; i < p.args.size(); ++i) {
    if (p.args[i].find('\0') != std::string::npos) {
      fail_at(element_path(member_path(where, "args"), i), "contains a NUL byte");
    }
  }
  if (p.cwd.find('\0') != std::string::npos) fail_at(member_path(where, "cwd"), "contains a NUL byte");
  check_absolute(member_path(where, "cwd"), p.cwd);
  check_id(member_path(where, "user.uid"), p.user.uid);
  check_id(member_path(where, "user.gid"), p.user.gid);
  for (size_t i = 0; i < p.user.additional_gids.size(); ++i) {
    check_id(element_path(member_path(where, "user.additionalGids"), i), p.user.additional_gids[i]);
  }
  if (p.user.umask && *p.user.umask > 0777) {
    fail_at(member_path(where, "user.umask"), "must be at most 0777 (511), got " + std::to_string(*p.user.umask));
  }
  check_env(p.env, member_path(where, "env"));
  if (p.capabilities) check_capabilities(*p.capabilities, member_path(where, "capabilities"));
  check_rlimits(p.rlimits, member_path(where, "rlimits"));
  if (p.oom_score_adj && (*p.oom_score_adj < -1000 || *p.oom_score_adj > 1000)) {
    fail_at(member_path(where, "oomScoreAdj"), "must be between -1000 and 1000, got " + std::to_string(*p.oom_score_adj));
  }
  if (p.scheduler) check_scheduler(*p.scheduler, member_path(where, "scheduler"));
  if (p.io_priority) check_io_priority(*p.io_priority, member_path(where, "ioPriority"));
  if (p.exec_cpu_affinity) {
    std::string path = member_path(where, "execCPUAffinity");
    for (const auto& [name, list] : {std::pair{"initial", &p.exec_cpu_affinity->initial},
                                     std::pair{"final", &p.exec_cpu_affinity->final}}) {
      if (!list->empty() && !detail::is_cpu_list(*list)) {
        fail_at(member_path(path, name), "invalid cpu list " + quoted(*list));
      }
    }
  }
}

namespace detail {

void validate_spec(const Spec& spec) {
  if (spec.process) validate_process(*spec.process, "process");
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    check_absolute(member_path(element_path("mounts", i), "destination"), spec.mounts[i].destination);
  }
  check_hooks(spec.hooks.prestart, "hooks.prestart");
  check_hooks(spec.hooks.create_runtime, "hooks.createRuntime");
  check_hooks(spec.hooks.create_container, "hooks.createContainer");
  check_hooks(spec.hooks.start_container, "hooks.startContainer");
  check_hooks(spec.hooks.poststart, "hooks.poststart");
  check_hooks(spec.hooks.poststop, "hooks.poststop");
  validate_linux(spec);
}

}  // namespace detail

}  // namespace minirun::spec
