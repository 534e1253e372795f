// Helpers the commands share.
#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

int with_command_context(const std::string& what, const std::function<int()>& body) {
  try {
    return body();
  } catch (const Error& e) {
    throw e.within(what);
  }
}

CLI::App* add_container_command(CLI::App& app, const char* name, const char* description, std::string& id) {
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_option("container-id", id, "container id")->required();
  return cmd;
}

LockedContainer lock_container(const Globals& g, const std::string& id) {
  LockedContainer c{g.store(), UniqueFd(), ContainerState()};
  c.lock = c.store.lock(id);
  c.state = c.store.load(id);
  return c;
}

std::unique_ptr<cgroup::Manager> running_cgroup(const StateStore& store, const ContainerState& st) {
  if (current_status(store, st) == Status::stopped) throw Error("container not running");
  if (st.cgroup_paths.empty()) throw Error("the container has no cgroup");
  return container_cgroup(st);
}

void annotate_oom_kills(ContainerState& st) {
  if (st.cgroup_paths.empty()) return;
  try {
    uint64_t kills = cgroup::Manager::from_paths(st.cgroup_paths)->oom_kill_count();
    if (kills > st.oom_kills_at_create)
      st.annotations["run.minirun.oom.kills"] = std::to_string(kills - st.oom_kills_at_create);
  } catch (const Error&) {
    // the cgroup is gone: nothing to tell
  }
}

}  // namespace minirun::runtime::cli
