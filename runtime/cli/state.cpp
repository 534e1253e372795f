// `state`: a container's state as runc's JSON.
#include <cstdio>

#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

CLI::App* StateFlags::declare(CLI::App& app) {
  return add_container_command(app, "state", "output the state of a container", id);
}

int state_command(const Globals& g, StateFlags& f) {
  return with_command_context("state " + f.id, [&] {
    auto store = g.store();
    auto st = store.load(f.id);
    Status status = current_status(store, st);
    annotate_oom_kills(st);
    std::puts(state_json(st, status, true).c_str());
    return 0;
  });
}

}  // namespace minirun::runtime::cli
