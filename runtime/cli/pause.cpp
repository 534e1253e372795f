// `pause`: freeze the container's cgroup.
#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

void add_pause(CLI::App& app, Globals& g, Action& action) {
  static std::string pause_id;
  auto* pause = app.add_subcommand("pause", "suspend all processes in the container");
  pause->add_option("container-id", pause_id, "container id")->required();
  pause->callback([&] {
    action = [&] {
      return with_command_context("pause " + pause_id, [&] {
        auto store = g.store();
        auto lock = store.lock(pause_id);
        auto st = store.load(pause_id);
        // runc: only a running container can be paused.
        Status s = current_status(store, st);
        if (s != Status::running && s != Status::created) throw Error("container not running");
        running_cgroup(store, st)->freeze();
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
