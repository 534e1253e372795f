// The runc-compatible command line: global flags before the command, one
// file per command.  Each add_* registers its subcommand on the app and sets
// `action` when that subcommand is the one given.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "cgroup/cgroup.h"
#include "runtime/launcher.h"
#include "runtime/state.h"

namespace minirun::runtime::cli {

struct Globals {
  std::string root;  // --root; "" until a command needs it: default_state_root()
  std::string log;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  std::string rootless = "auto";
  bool criu = false;

  // The store at --root (or the default), refused when another user owns it.
  StateStore store() const {
    StateStore s(root.empty() ? default_state_root() : root);
    s.check_root();
    return s;
  }
};

using Action = std::function<int()>;

// The first word of argv that is neither a global flag nor its value: the
// command ("run"), or null.
const char* command_word(int argc, char** argv);

void add_create(CLI::App& app, Globals& g, Action& action);
void add_start(CLI::App& app, Globals& g, Action& action);
void add_run(CLI::App& app, Globals& g, Action& action);
void add_state(CLI::App& app, Globals& g, Action& action);
void add_kill(CLI::App& app, Globals& g, Action& action);
void add_delete(CLI::App& app, Globals& g, Action& action);
void add_list(CLI::App& app, Globals& g, Action& action);
void add_ps(CLI::App& app, Globals& g, Action& action);
void add_exec(CLI::App& app, Globals& g, Action& action);
void add_pause(CLI::App& app, Globals& g, Action& action);
void add_resume(CLI::App& app, Globals& g, Action& action);
void add_events(CLI::App& app, Globals& g, Action& action);
void add_update(CLI::App& app, Globals& g, Action& action);
void add_spec(CLI::App& app, Globals& g, Action& action);
void add_features(CLI::App& app, Globals& g, Action& action);
void add_check(CLI::App& app, Globals& g, Action& action);

// `state` shows OOM kills in the container's cgroup since create as the
// annotation run.minirun.oom.kills (stdout stays runc's JSON shape).
void annotate_oom_kills(ContainerState& st);

// The cgroup of a container that is not stopped (pause, resume, update, events).
std::unique_ptr<cgroup::Manager> running_cgroup(const StateStore& store, const ContainerState& st);

// runc's types.Stats JSON, as `events` prints it.
nlohmann::ordered_json stats_json(const cgroup::Stats& s);

// Runs body; an Error escaping it becomes "<what>: <error>".
int with_command_context(const std::string& what, const std::function<int()>& body);

// Adds the create/run flags shared by both commands.
struct CreateFlags {
  std::string bundle, console_socket, pid_file;
  bool no_pivot = false, no_new_keyring = false;
  int preserve_fds = 0;
};
void add_create_flags(CLI::App* cmd, CreateFlags& f);

// create_container(), but a missing config.json says how to name the bundle
// (-b DIR, or `minirun run DIR/` when `command` is run and the id is one).
Created create_with_hints(const StateStore& store, const CreateOptions& o, const char* command);

int main(int argc, char** argv);

}  // namespace minirun::runtime::cli
