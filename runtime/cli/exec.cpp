#include "runtime/exec.h"

#include "runtime/cli/cli.h"
#include "runtime/log.h"
#include "spec/strings.h"

namespace minirun::runtime::cli {

CLI::App* ExecFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("exec", "execute a new process inside a container");
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
  return cmd;
}

int exec_command(const Globals& g, ExecFlags& f) {
  if (f.words.empty()) throw Error("exec: a container id is required");
  f.o.id = f.words.front();
  f.o.args.assign(f.words.begin() + 1, f.words.end());
  for (const auto& gid : f.gids) f.o.additional_gids.push_back(parse_id(gid, "--additional-gids"));
  // runc: a failure to start the process exits 255, apart from any code
  // the process itself may return.
  try {
    return with_command_context("exec " + f.o.id, [&] { return exec_in_container(g.store(), f.o); });
  } catch (const std::exception& e) {
    log_error(e.what());
    return 255;
  }
}

}  // namespace minirun::runtime::cli
