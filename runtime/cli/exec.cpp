#include "runtime/exec.h"

#include "runtime/cli/cli.h"
#include "runtime/log.h"
#include "spec/strings.h"

namespace minirun::runtime::cli {

void add_exec(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("exec", "execute a new process inside a container");
  static ExecOptions o;
  static std::vector<std::string> gids;
  cmd->add_option("-p,--process", o.process_file, "path to the process.json");
  cmd->add_flag("-t,--tty", o.tty, "allocate a pseudo-TTY");
  cmd->add_option("--console-socket", o.console_socket, "unix socket that receives the pty master");
  cmd->add_flag("-d,--detach", o.detach, "detach from the process");
  cmd->add_option("--pid-file", o.pid_file, "file to write the process id to");
  cmd->add_option("--cwd", o.cwd, "current working directory in the container");
  cmd->add_option("-e,--env", o.env, "set environment variables")->allow_extra_args(false)->take_all();
  cmd->add_option("-u,--user", o.user, "UID (format: <uid>[:<gid>])");
  cmd->add_option("-g,--additional-gids", gids, "additional gids")->allow_extra_args(false)->take_all();
  cmd->add_option("-c,--cap", o.caps, "add a capability to the bounding set")->allow_extra_args(false)->take_all();
  cmd->add_flag("--no-new-privs", o.no_new_privs, "set the no new privileges value for the process");
  cmd->add_option("--preserve-fds", o.preserve_fds, "pass N additional file descriptors to the process");
  cmd->add_flag("--ignore-paused", o.ignore_paused, "allow exec in a paused container");
  cmd->add_option("--process-label", "selinux process label (accepted; no SELinux here)");
  cmd->add_option("--apparmor", "apparmor profile (accepted; no AppArmor here)");
  // Everything after the container id belongs to the command, flags included.
  cmd->prefix_command();
  cmd->callback([&, cmd] {
    action = [&, cmd] {
      auto rest = cmd->remaining();
      if (rest.empty()) throw Error("exec: a container id is required");
      o.id = rest.front();
      o.args.assign(rest.begin() + 1, rest.end());
      for (const auto& gid : gids) o.additional_gids.push_back(parse_id(gid, "--additional-gids"));
      // runc: a failure to start the process exits 255, apart from any code
      // the process itself may return.
      try {
        return with_command_context("exec " + o.id, [&] { return exec_in_container(g.store(), o); });
      } catch (const std::exception& e) {
        log_error(e.what());
        return 255;
      }
    };
  });
}

}  // namespace minirun::runtime::cli
