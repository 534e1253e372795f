// `pause`: freeze the container's cgroup.
#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

CLI::App* PauseFlags::declare(CLI::App& app) {
  return add_container_command(app, "pause", "suspend all processes in the container", id);
}

int pause_command(const Globals& g, PauseFlags& f) {
  return with_command_context("pause " + f.id, [&] {
    LockedContainer c = lock_container(g, f.id);
    // runc: only a running container can be paused.
    Status s = current_status(c.store, c.state);
    if (s != Status::running && s != Status::created) throw Error("container not running");
    running_cgroup(c.store, c.state)->freeze();
    return 0;
  });
}

}  // namespace minirun::runtime::cli
