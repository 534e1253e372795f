// `resume`: thaw a paused container's cgroup.
#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

CLI::App* ResumeFlags::declare(CLI::App& app) {
  return add_container_command(app, "resume", "resume all processes of a paused container", id);
}

int resume_command(const Globals& g, ResumeFlags& f) {
  return with_command_context("resume " + f.id, [&] {
    LockedContainer c = lock_container(g, f.id);
    auto cg = running_cgroup(c.store, c.state);
    if (current_status(c.store, c.state) != Status::paused) throw Error("container not paused");
    cg->thaw();
    return 0;
  });
}

}  // namespace minirun::runtime::cli
