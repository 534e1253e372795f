// `kill`: a signal to the init, or with --all to every process in the cgroup.
#include <signal.h>

#include <cstring>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/launcher.h"
#include "runtime/signals.h"

namespace minirun::runtime::cli {

const std::pair<const char*, int> kSignalNames[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},   {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS}};

// "KILL", "SIGKILL", "9" -> 9.
static int parse_signal(const std::string& text) {
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
    char* end;
    long n = std::strtol(text.c_str(), &end, 10);
    if (*end == '\0' && n >= 0 && n <= SIGRTMAX) return static_cast<int>(n);  // 0 probes, as runc
  } else {
    std::string name = text;
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    for (const auto& [n, v] : kSignalNames)
      if (name == n) return v;
  }
  throw Error("unknown signal \"" + text + "\"");
}

CLI::App* KillFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("kill", "send a signal (default SIGTERM) to the container's init process");
  cmd->add_flag("-a,--all", all, "send the signal to all processes in the container");
  cmd->add_option("container-id", id, "container id")->required();
  cmd->add_option("signal", signal, "signal name or number");
  return cmd;
}

int kill_command(const Globals& g, KillFlags& f) {
  return with_command_context("kill " + f.id, [&] {
    int sig = parse_signal(f.signal);
    auto store = g.store();
    auto st = store.load(f.id);
    Status s = current_status(store, st);
    if (s == Status::stopped && !f.all) throw Error("container not running");
    std::unique_ptr<cgroup::Manager> cg;
    try {
      if (f.all && !st.cgroup_paths.empty()) cg = cgroup::Manager::from_paths(st.cgroup_paths);
    } catch (const Error&) {
      if (s != Status::stopped) throw;  // stopped: its cgroup may be gone already
    }
    signal_container({st.pid, st.start_time}, cg.get(), sig, f.all, [&] { return shares_pid_namespace(store, st.id); });
    return 0;
  });
}

}  // namespace minirun::runtime::cli
