// `start`: release a created container's init.
#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

void add_start(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("start", "start a created container");
  static std::string id;
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("start " + id, [&] {
        auto store = g.store();
        auto lock = store.lock(id);
        start_container(store, store.load(id));
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
