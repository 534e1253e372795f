#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

void add_create(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("create", "create a container");
  static CreateFlags f;
  static std::string id;
  add_create_flags(cmd, f);
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("create " + id, [&] {
        CreateOptions o{id,         f.bundle,         f.console_socket, f.pid_file,
                        f.no_pivot, f.no_new_keyring, f.preserve_fds,   false};
        o.systemd_cgroup = g.systemd_cgroup;
        create_container(g.store(), o);
        return 0;
      });
    };
  });
}

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
