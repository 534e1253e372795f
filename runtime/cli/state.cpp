// `state`: a container's state as runc's JSON.
#include <cstdio>

#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

void add_state(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("state", "output the state of a container");
  static std::string id;
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("state " + id, [&] {
        auto store = g.store();
        auto st = store.load(id);
        Status status = current_status(store, st);
        annotate_oom_kills(st);
        std::puts(state_json(st, status, true).c_str());
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
