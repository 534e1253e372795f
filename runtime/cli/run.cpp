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

}  // namespace

void add_run(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("run", "create and run a container");
  static CreateFlags f;
  static std::string id;
  static bool detach = false, keep = false, no_subreaper = false;
  add_create_flags(cmd, f);
  cmd->add_flag("-d,--detach", detach, "detach from the container's process");
  cmd->add_flag("--keep", keep, "do not delete the container after it exits");
  cmd->add_flag("--no-subreaper", no_subreaper, "disable the use of the subreaper used to reap reparented processes");
  cmd->add_option("container-id", id, "container id, or a bundle path (contains '/')")->required();
  cmd->callback([&] {
    action = [&] {
      auto store = g.store();
      if (f.bundle.empty() && is_bundle_path(id)) {
        f.bundle = id;
        id = id_for_bundle(store, id);
      } else if (f.bundle.empty() && id.find('/') != std::string::npos) {
        // Not a container id (no id has a '/'): a bundle path that is not one.
        struct stat st;
        bool dir = ::stat(id.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        throw Error("run " + id + ": no bundle at " + id +
                    (dir ? ": it has no config.json (`minirun spec` there writes one)" : ": no such directory"));
      }
      return with_command_context("run " + id, [&] {
        if (!detach && !no_subreaper) ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        CreateOptions o{id,         f.bundle,         f.console_socket, f.pid_file,
                        f.no_pivot, f.no_new_keyring, f.preserve_fds,   !detach};
        o.start_at_once = true;
        o.systemd_cgroup = g.systemd_cgroup;
        Created c = create_with_hints(store, o, "run");
        try {
          started_by_create(store, c.state);
        } catch (...) {
          destroy_container(store, c.state);
          throw;
        }
        if (detach) return 0;
        int code = forward_and_wait(c.state.pid, c.console_master.get());
        if (code == 128 + SIGKILL) explain_oom_kill(c.state);
        if (!keep) destroy_container(store, c.state);
        return code;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
