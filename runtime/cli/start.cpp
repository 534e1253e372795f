// `start`: release a created container's init.
#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

CLI::App* StartFlags::declare(CLI::App& app) {
  return add_container_command(app, "start", "start a created container", id);
}

int start_command(const Globals& g, StartFlags& f) {
  return with_command_context("start " + f.id, [&] {
    LockedContainer c = lock_container(g, f.id);
    start_container(c.store, c.state);
    return 0;
  });
}

}  // namespace minirun::runtime::cli
