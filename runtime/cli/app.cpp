#include <seccomp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/build_info.h"
#include "runtime/cli/cli.h"
#include "runtime/log.h"
#include "spec/suggest.h"

namespace minirun::runtime::cli {

// runc's layout: tools parse the "commit:" and "spec:" lines.  The version
// and commit come from the build (CMake's project version, git at configure).
static std::string version_text() {
  const struct scmp_version* v = seccomp_version();
  return std::string("minirun version ") + MINIRUN_VERSION + "\ncommit: " + MINIRUN_COMMIT +
         "\nspec: 1.0.2-dev\nlibseccomp: " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->micro) + "\n";
}

// Go's flag package (runc's CLI) takes "-name" like "--name" and "-f=false"
// for a bool flag; CLI11 does not, so such tokens are rewritten to the long
// form first.  Values of options are skipped; the words after the container
// id of exec and ps belong to the command and are left alone.
static std::vector<std::string> normalize_go_flags(CLI::App& app, std::vector<std::string> out) {
  CLI::App* current = &app;
  for (size_t i = 1; i < out.size(); ++i) {
    std::string& a = out[i];
    if (a == "--") break;
    if (a.size() > 1 && a[0] == '-') {
      bool dashdash = a[1] == '-';
      std::string body = a.substr(dashdash ? 2 : 1);
      auto eq = body.find('=');
      std::string name = body.substr(0, eq);
      CLI::Option* opt = nullptr;
      if (!name.empty()) opt = current->get_option_no_throw((name.size() == 1 && !dashdash ? "-" : "--") + name);
      if (!opt) continue;
      if (!dashdash && (name.size() > 1 || eq != std::string::npos) && !opt->get_lnames().empty())
        a = "--" + opt->get_lnames().front() + (eq == std::string::npos ? "" : body.substr(eq));
      if (eq == std::string::npos && opt->get_type_size() != 0) ++i;  // its value
      continue;
    }
    if (current == &app) {
      try {
        current = app.get_subcommand(a);
      } catch (const CLI::OptionNotFound&) {
        break;
      }
    } else if (current->get_name() == "exec" || current->get_name() == "ps") {
      break;  // the container id: the rest is the command / ps's arguments
    }
  }
  return out;
}

struct Command {
  const char* name;
  void (*add)(CLI::App&, Globals&, Action&);
};
const Command kCommands[] = {
    {"create", add<CreateFlags, create_command>},
    {"start", add<StartFlags, start_command>},
    {"run", add<RunFlags, run_command>},
    {"state", add<StateFlags, state_command>},
    {"kill", add<KillFlags, kill_command>},
    {"delete", add<DeleteFlags, delete_command>},
    {"list", add<ListFlags, list_command>},
    {"ps", add<PsFlags, ps_command>},
    {"exec", add<ExecFlags, exec_command>},
    {"pause", add<PauseFlags, pause_command>},
    {"resume", add<ResumeFlags, resume_command>},
    {"events", add<EventsFlags, events_command>},
    {"update", add<UpdateFlags, update_command>},
    {"spec", add<SpecFlags, spec_command>},
    {"features", add<FeaturesFlags, features_command>},
    {"check", add<CheckFlags, check_command>},
};

// CLI11 lists no positionals for exec and ps, whose words after the
// container id are taken whole (prefix_command); their usage says them.
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = CLI::Formatter::make_usage(app, std::move(name));
    const char* words = app->get_name() == "exec" ? " container-id command [args...]"
                        : app->get_name() == "ps" ? " container-id [ps options]"
                                                  : nullptr;
    if (words && !usage.empty() && usage.back() == '\n') usage.insert(usage.size() - 1, words);
    return usage;
  }
};

const char* const kGlobalFlags[] = {"root", "log", "log-format", "debug", "systemd-cgroup", "rootless", "criu"};

// CLI11's "The following argument was not expected: --detatch" said the
// way a user fixes it: a global flag goes before the command, and a typo
// gets the flag it was probably meant to be.
std::string explain_parse_error(const CLI::App& app, const char* command, const CLI::ParseError& e) {
  if (!command || !dynamic_cast<const CLI::ExtrasError*>(&e)) return e.what();
  auto subs = app.get_subcommands([&](const CLI::App* a) { return a->get_name() == command; });
  if (subs.empty()) return e.what();
  const CLI::App* sub = subs.front();
  for (const std::string& word : sub->remaining()) {
    if (word.size() < 2 || word[0] != '-') continue;
    std::string name = word.substr(word[1] == '-' ? 2 : 1);
    name = name.substr(0, name.find('='));
    for (const char* global : kGlobalFlags)
      if (name == global)
        return std::string(command) + ": --" + name + " is a global flag; global flags go before the command: minirun --" +
               name + (name == "debug" || name == "systemd-cgroup" ? "" : " VALUE") + " " + command + " ...";
    std::vector<std::string> longs;
    for (const CLI::Option* o : sub->get_options())
      for (const std::string& l : o->get_lnames()) longs.push_back(l);
    std::string guess = closest_name(name, std::vector<std::string_view>(longs.begin(), longs.end()));
    return std::string(command) + ": unknown flag " + word +
           (guess.empty() ? " (minirun " + std::string(command) + " --help lists the flags)"
                          : " (did you mean --" + guess + "?)");
  }
  return e.what();
}

// The global flags that take a value.
const char* const kGlobalOptions[] = {"root", "log", "log-format", "rootless", "criu"};

const char* command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") return i + 1 < argc ? argv[i + 1] : nullptr;
    if (a.empty() || a[0] != '-') return argv[i];
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    if (name.find('=') != std::string::npos) continue;
    for (const char* v : kGlobalOptions)
      if (name == v) ++i;
  }
  return nullptr;
}

void Globals::declare(CLI::App& app) {
  // As Go's flag package: a repeated option takes its last value.
  auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("--root", root,
                 "root directory for storage of container state (default: /run/minirun; rootless: "
                 "$XDG_RUNTIME_DIR/minirun)")->multi_option_policy(last);
  app.add_option("--log", log, "log file (default: stderr only)")->multi_option_policy(last);
  app.add_option("--log-format", log_format, "log format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->multi_option_policy(last);
  app.add_flag("--debug", debug, "enable debug output");
  app.add_flag("--systemd-cgroup", systemd_cgroup, "use the systemd cgroup manager");
  app.add_option("--rootless", rootless, "rootless mode: true, false or auto")->multi_option_policy(last);
  app.add_option("--criu", "path to criu (accepted, unused)");
  app.add_flag("-v,--version", version, "print the version");
}

void parse_args(CLI::App& app, std::vector<std::string> args) {
  args = normalize_go_flags(app, std::move(args));
  std::reverse(args.begin(), args.end());
  args.pop_back();  // the program name
  app.parse(args);
}

namespace {

const char kDescription[] =
    "minirun: an OCI container runtime (runc-compatible command line)\n"
    "A bundle is a directory holding config.json (the OCI runtime spec) and the root filesystem it\n"
    "names (root.path, usually rootfs/); `minirun spec` writes a config.json, `minirun run DIR/` runs one.";

// -v or --version among the global flags.
bool asks_for_version(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-v" || a == "--version") return true;
    if (!a.empty() && a[0] != '-') break;
  }
  return false;
}

// `minirun help [COMMAND]` is `minirun [COMMAND] --help`, as runc's: the
// words to parse instead, and `given` becomes COMMAND.  Else argv as it is.
std::vector<std::string> words_to_parse(int argc, char** argv, const char*& given) {
  if (!given || std::strcmp(given, "help") != 0) return std::vector<std::string>(argv, argv + argc);
  const char* topic = nullptr;
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == given) topic = argv[i + 1];
  std::vector<std::string> words = {argv[0]};
  if (topic) words.emplace_back(topic);
  words.emplace_back("--help");
  given = topic;
  return words;
}

// Only the command given is built (CLI11 setup of all sixteen is a third
// of `run`'s user time); help and no command get them all.  Returns the
// command given, null when none or no such one.
const Command* add_commands(CLI::App& app, Globals& g, Action& action, const char* given) {
  const Command* only = nullptr;
  for (const auto& c : kCommands)
    if (given && std::strcmp(c.name, given) == 0) only = &c;
  if (only) {
    only->add(app, g, action);
  } else if (given) {
    // Only the global flags are parsed (so --log gets the error); `foo -h`
    // is no call for help.
    app.require_subcommand(0);
    app.set_help_flag();
    app.allow_extras();
  } else {
    for (const auto& c : kCommands) c.add(app, g, action);
    app.require_subcommand(0);  // bare `minirun` prints the help, as runc
  }
  return only;
}

void log_command_line(int argc, char** argv) {
  std::string line = "command:";
  for (int i = 0; i < argc; ++i) line += std::string(" ") + argv[i];
  log_debug(line);
}

}  // namespace

int main(int argc, char** argv) {
  if (asks_for_version(argc, argv)) {
    std::fputs(version_text().c_str(), stdout);
    return 0;
  }
  const char* given = command_word(argc, argv);
  std::vector<std::string> words = words_to_parse(argc, argv, given);
  CLI::App app{kDescription, "minirun"};
  app.formatter(std::make_shared<UsageFormatter>());
  app.require_subcommand(1);
  Globals g;
  g.declare(app);
  Action action;
  const Command* only = add_commands(app, g, action, given);
  try {
    parse_args(app, std::move(words));
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    configure_logging({g.log, g.log_format == "json", g.debug});
    log_error(explain_parse_error(app, only ? only->name : nullptr, e));
    return 1;
  }
  configure_logging({g.log, g.log_format == "json", g.debug});
  if (given && !only) {
    log_error(std::string("no such command \"") + given + "\"");  // not CLI11's "A subcommand is required"
    return 1;
  }
  if (debug_enabled()) log_command_line(argc, argv);
  if (!action) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  try {
    return action();
  } catch (const std::exception& e) {
    log_error(e.what());
    return 1;
  }
}

}  // namespace minirun::runtime::cli
