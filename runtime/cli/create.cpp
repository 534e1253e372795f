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

void add_create_flags(CLI::App* cmd, CreateOptions& o) {
  cmd->add_option("-b,--bundle", o.bundle, "path to the root of the bundle directory");
  cmd->add_option("--console-socket", o.console_socket, "unix socket that receives the pty master");
  cmd->add_option("--pid-file", o.pid_file, "file to write the process id to");
  cmd->add_flag("--no-pivot", o.no_pivot, "do not use pivot_root (for a ramdisk rootfs)");
  cmd->add_flag("--no-new-keyring", o.no_new_keyring, "do not create a new session keyring");
  cmd->add_option("--preserve-fds", o.preserve_fds, "pass N additional file descriptors to the container");
}

CLI::App* CreateFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("create", "create a container");
  add_create_flags(cmd, o);
  cmd->add_option("container-id", o.id, "container id")->required();
  return cmd;
}

int create_command(const Globals& g, CreateFlags& f) {
  return with_command_context("create " + f.o.id, [&] {
    f.o.systemd_cgroup = g.systemd_cgroup;
    create_with_hints(g.store(), f.o, "create");
    return 0;
  });
}

}  // namespace minirun::runtime::cli
