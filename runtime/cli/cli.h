// The runc-compatible command line: global flags before the command, one
// file per command.  A command owns a struct of its flags: declare() adds
// its subcommand with the options bound to the struct, and the command's
// function runs on the struct once parsed; add<Flags, Run> registers both.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "cgroup/cgroup.h"
#include "runtime/exec.h"
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
  bool version = false;  // -v: printed before parsing (main)

  void declare(CLI::App& app);

  // The store at --root (or the default), refused when another user owns it.
  StateStore store() const {
    StateStore s(root.empty() ? default_state_root() : root);
    s.check_root();
    return s;
  }
};

using Action = std::function<int()>;

// Adds the command Flags declares; when it is the one given, `action` runs
// Run(globals, flags) on the flags parsed.
template <class Flags, auto Run>
void add(CLI::App& app, Globals& g, Action& action) {
  auto flags = std::make_shared<Flags>();
  CLI::App* cmd = flags->declare(app);
  cmd->callback([&g, &action, flags, cmd] {
    // exec and ps take the words after their flags whole (prefix_command).
    if constexpr (requires { flags->words; }) flags->words = cmd->remaining();
    (void)cmd;  // used only for those: clang's -Wunused-lambda-capture
    action = [&g, flags] { return Run(g, *flags); };
  });
}

// Normalizes Go-style flags (runc's) and parses args (args[0]: the program).
void parse_args(CLI::App& app, std::vector<std::string> args);

// The first word of argv that is neither a global flag nor its value: the
// command ("run"), or null.
const char* command_word(int argc, char** argv);

// ---- the commands, in `minirun --help`'s order

// The flags create and run share, bound into the launcher's options.
void add_create_flags(CLI::App* cmd, CreateOptions& o);

struct CreateFlags {
  CreateOptions o;
  CLI::App* declare(CLI::App& app);
};
int create_command(const Globals& g, CreateFlags& f);

struct StartFlags {
  std::string id;
  CLI::App* declare(CLI::App& app);
};
int start_command(const Globals& g, StartFlags& f);

struct RunFlags {
  CreateOptions o;  // o.id: a container id, or a bundle path (contains '/')
  bool detach = false, keep = false, no_subreaper = false;
  CLI::App* declare(CLI::App& app);
};
int run_command(const Globals& g, RunFlags& f);

struct StateFlags {
  std::string id;
  CLI::App* declare(CLI::App& app);
};
int state_command(const Globals& g, StateFlags& f);

struct KillFlags {
  std::string id;
  std::string signal = "SIGTERM";
  bool all = false;
  CLI::App* declare(CLI::App& app);
};
int kill_command(const Globals& g, KillFlags& f);

struct DeleteFlags {
  std::vector<std::string> ids;
  bool force = false;
  CLI::App* declare(CLI::App& app);
};
int delete_command(const Globals& g, DeleteFlags& f);

struct ListFlags {
  std::string format = "table";
  bool quiet = false;
  CLI::App* declare(CLI::App& app);
};
int list_command(const Globals& g, ListFlags& f);

struct PsFlags {
  std::string format = "table";
  std::vector<std::string> words;  // container-id [ps options]
  CLI::App* declare(CLI::App& app);
};
int ps_command(const Globals& g, PsFlags& f);

struct ExecFlags {
  ExecOptions o;  // o.id and o.args from words, o.additional_gids from gids
  std::vector<std::string> gids;
  std::vector<std::string> words;  // container-id command [args...]
  CLI::App* declare(CLI::App& app);
};
int exec_command(const Globals& g, ExecFlags& f);

struct PauseFlags {
  std::string id;
  CLI::App* declare(CLI::App& app);
};
int pause_command(const Globals& g, PauseFlags& f);

struct ResumeFlags {
  std::string id;
  CLI::App* declare(CLI::App& app);
};
int resume_command(const Globals& g, ResumeFlags& f);

struct EventsFlags {
  std::string id;
  std::string interval = "5s";
  bool stats = false;
  CLI::App* declare(CLI::App& app);
};
int events_command(const Globals& g, EventsFlags& f);

// runc's `update` flags as given ("" when not): only those given change.
struct UpdateFlags {
  std::string id;
  std::string resources_file;  // -r: a LinuxResources JSON file, "-" for stdin
  std::string blkio_weight, cpu_period, cpu_quota, cpu_burst, cpu_share, cpu_rt_period, cpu_rt_runtime, cpu_idle,
      cpuset_cpus, cpuset_mems, kernel_memory, kernel_memory_tcp, memory, memory_reservation, memory_swap, pids_limit,
      l3_cache_schema, mem_bw_schema;
  CLI::App* declare(CLI::App& app);
};
int update_command(const Globals& g, UpdateFlags& f);

struct SpecFlags {
  std::string bundle, network;
  std::vector<std::string> publish;
  bool rootless = false, overlay = false;
  CLI::App* declare(CLI::App& app);
};
int spec_command(const Globals& g, SpecFlags& f);

struct FeaturesFlags {  // none
  CLI::App* declare(CLI::App& app);
};
int features_command(const Globals& g, FeaturesFlags& f);

struct CheckFlags {
  std::string format = "text";
  CLI::App* declare(CLI::App& app);
};
int check_command(const Globals& g, CheckFlags& f);

// ---- what the commands share (common.cpp)

// Adds the subcommand `name` with its required positional container-id.
CLI::App* add_container_command(CLI::App& app, const char* name, const char* description, std::string& id);

// A container's state, loaded under its lock (held while this lives).
struct LockedContainer {
  StateStore store;
  UniqueFd lock;
  ContainerState state;
};
LockedContainer lock_container(const Globals& g, const std::string& id);

// The cgroup of a container that is not stopped (pause, resume, update, events).
std::unique_ptr<cgroup::Manager> running_cgroup(const StateStore& store, const ContainerState& st);

// `state` shows OOM kills in the container's cgroup since create as the
// annotation run.minirun.oom.kills (stdout stays runc's JSON shape).
void annotate_oom_kills(ContainerState& st);

// runc's types.Stats JSON, as `events` prints it.
nlohmann::ordered_json stats_json(const cgroup::Stats& s);

// Runs body; an Error escaping it becomes "<what>: <error>".
int with_command_context(const std::string& what, const std::function<int()>& body);

// create_container(), but a missing config.json says how to name the bundle
// (-b DIR, or `minirun run DIR/` when `command` is run and the id is one).
Created create_with_hints(const StateStore& store, const CreateOptions& o, const char* command);

int main(int argc, char** argv);

}  // namespace minirun::runtime::cli
