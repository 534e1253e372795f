#include <seccomp.h>
#include <unistd.h>

#include <cstdlib>

#include "runtime/cli/cli.h"
#include "runtime/log.h"

namespace minirun::runtime::cli {

int with_command_context(const std::string& what, const std::function<int()>& body) {
  try {
    return body();
  } catch (const Error& e) {
    throw e.within(what);
  }
}

void add_create_flags(CLI::App* cmd, CreateFlags& f) {
  cmd->add_option("-b,--bundle", f.bundle, "path to the root of the bundle directory");
  cmd->add_option("--console-socket", f.console_socket, "unix socket that receives the pty master");
  cmd->add_option("--pid-file", f.pid_file, "file to write the process id to");
  cmd->add_flag("--no-pivot", f.no_pivot, "do not use pivot_root (for a ramdisk rootfs)");
  cmd->add_flag("--no-new-keyring", f.no_new_keyring, "do not create a new session keyring");
  cmd->add_option("--preserve-fds", f.preserve_fds, "pass N additional file descriptors to the container");
}

static std::string default_root() {
  if (::geteuid() == 0) return "/run/minirun";
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  return std::string(xdg && *xdg ? xdg : "/tmp") + "/minirun";
}

static std::string version_text() {
  const struct scmp_version* v = seccomp_version();
  return std::string("minirun version ") + MINIRUN_VERSION + "\nspec: 1.0.2-dev\nlibseccomp: " +
         std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro) + "\n";
}

int main(int argc, char** argv) {
  CLI::App app{"minirun: an OCI container runtime (runc-compatible command line)", "minirun"};
  app.require_subcommand(1);
  Globals g;
  g.root = default_root();
  bool version = false;
  app.add_option("--root", g.root, "root directory for storage of container state");
  app.add_option("--log", g.log, "log file (default: stderr only)");
  app.add_option("--log-format", g.log_format, "log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "enable debug output");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use the systemd cgroup manager");
  app.add_option("--rootless", g.rootless, "rootless mode: true, false or auto");
  app.add_option("--criu", "path to criu (accepted, unused)");
  app.add_flag("-v,--version", version, "print the version");

  Action action;
  add_create(app, g, action);
  add_start(app, g, action);
  add_run(app, g, action);
  add_state(app, g, action);
  add_kill(app, g, action);
  add_delete(app, g, action);
  add_list(app, g, action);
  add_ps(app, g, action);
  add_exec(app, g, action);
  add_pause_resume(app, g, action);
  add_events(app, g, action);
  add_update(app, g, action);
  add_spec(app, g, action);
  add_features(app, g, action);

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-v" || a == "--version") {
      std::fputs(version_text().c_str(), stdout);
      return 0;
    }
    if (!a.empty() && a[0] != '-') break;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "minirun: %s\n", e.what());
    return 1;
  }
  configure_logging({g.log, g.log_format == "json", g.debug});
  try {
    if (g.systemd_cgroup)
      throw Error("--systemd-cgroup: the systemd cgroup manager is not supported (no systemd on this host); "
                  "use the cgroupfs layout");
    return action ? action() : 0;
  } catch (const std::exception& e) {
    log_error(e.what());
    return 1;
  }
}

}  // namespace minirun::runtime::cli
