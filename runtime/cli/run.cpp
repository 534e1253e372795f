// `run`: create + start + wait.  Also the mission's `minirun run bundle/`.
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/console.h"
#include "runtime/launcher.h"
#include "runtime/log.h"
#include "runtime/units.h"

namespace minirun::runtime::cli {

namespace {

bool is_bundle_path(const std::string& arg) {
  struct stat st;
  return arg.find('/') != std::string::npos && ::stat((arg + "/config.json").c_str(), &st) == 0;
}

// "path/to/my bundle/" -> "my_bundle", then "-2", "-3"... until unused.
std::string id_for_bundle(const StateStore& store, const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::string base = p.substr(p.find_last_of('/') + 1);
  if (base.empty() || base == "." || base == "..") {
    char cwd[4096];
    std::string abs = ::realpath(p.c_str(), cwd) ? cwd : "container";
    base = abs.substr(abs.find_last_of('/') + 1);
  }
  for (auto& c : base)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' && c != '+') c = '_';
  if (base.empty() || base == "." || base == "..") base = "container";
  std::string id = base;
  for (int n = 2; store.exists(id) || ::access(store.dir(id).c_str(), F_OK) == 0; ++n)
    id = base + "-" + std::to_string(n);
  return id;
}

// Says in one line when the SIGKILL came from the OOM killer, which no other
// runtime tells its user.
void explain_oom_kill(const ContainerState& st) {
  if (st.cgroup_paths.empty()) return;
  try {
    auto cg = cgroup::Manager::from_paths(st.cgroup_paths);
    if (cg->oom_kill_count() <= st.oom_kills_at_create) return;
    std::string limit = "no memory limit";
    if (auto l = cg->memory_limit()) limit = "memory limit " + human_bytes(static_cast<uint64_t>(*l));
    log_error("container " + st.id + " was killed by the OOM killer (" + limit + ")");
  } catch (const Error&) {
  }
}

// `minirun run DIR/`: the id names a bundle (no id has a '/'); the container
// gets an id made from the bundle's name.
void take_bundle_path(const StateStore& store, CreateOptions& o) {
  if (is_bundle_path(o.id)) {
    o.bundle = o.id;
    o.id = id_for_bundle(store, o.id);
  } else if (o.id.find('/') != std::string::npos) {
    // Not a container id (no id has a '/'): a bundle path that is not one.
    struct stat st;
    bool dir = ::stat(o.id.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    throw Error("run " + o.id + ": no bundle at " + o.id +
                (dir ? ": it has no config.json (`minirun spec` there writes one)" : ": no such directory"));
  }
}

}  // namespace

CLI::App* RunFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "create and run a container");
  add_create_flags(cmd, o);
  cmd->add_flag("-d,--detach", detach, "detach from the container's process");
  cmd->add_flag("--keep", keep, "do not delete the container after it exits");
  cmd->add_flag("--no-subreaper", no_subreaper, "disable the use of the subreaper used to reap reparented processes");
  cmd->add_option("container-id", o.id, "container id, or a bundle path (contains '/')")->required();
  return cmd;
}

int run_command(const Globals& g, RunFlags& f) {
  auto store = g.store();
  if (f.o.bundle.empty()) take_bundle_path(store, f.o);
  return with_command_context("run " + f.o.id, [&] {
    if (!f.detach && !f.no_subreaper) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    f.o.foreground = !f.detach;
    f.o.start_at_once = true;
    f.o.systemd_cgroup = g.systemd_cgroup;
    Created c = create_with_hints(store, f.o, "run");
    try {
      started_by_create(store, c.state);
    } catch (...) {
      destroy_container(store, c.state);
      throw;
    }
    if (f.detach) return 0;
    int code = forward_and_wait(c.state.pid, c.console_master.get());
    if (code == 128 + SIGKILL) explain_oom_kill(c.state);
    if (!f.keep) destroy_container(store, c.state);
    return code;
  });
}

}  // namespace minirun::runtime::cli
