#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

// Only on the failure path: a run that works pays nothing for the hints.
Created create_with_hints(const StateStore& store, const CreateOptions& o, const char* command) {
  try {
    return create_container(store, o);
  } catch (const Error&) {
    std::string config = (o.bundle.empty() ? "." : o.bundle) + "/config.json";
    if (::access(config.c_str(), F_OK) == 0 || errno != ENOENT) throw;
    if (o.bundle.empty()) {
      char cwd[PATH_MAX];
      std::string here = ::getcwd(cwd, sizeof cwd) ? cwd : ".";
      std::string msg = "no config.json in the current directory " + here + ": give the bundle with -b DIR";
      if (std::string(command) == "run" && ::access((o.id + "/config.json").c_str(), F_OK) == 0)
        msg += ", or run it as: minirun run " + o.id + "/";
      throw Error(msg, ENOENT);
    }
    struct stat st;
    if (::stat(o.bundle.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw Error("the bundle " + o.bundle + " (-b) is not a directory", ENOENT);
    throw Error("no config.json in the bundle " + o.bundle + " (-b): `minirun spec` there writes one", ENOENT);
  }
}

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
        create_with_hints(g.store(), o, "create");
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
