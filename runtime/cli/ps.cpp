// `ps`: the processes in a container's cgroup, through ps(1).
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/files.h"
#include "runtime/process.h"
#include "runtime/subprocess.h"

namespace minirun::runtime::cli {

// ps(1) reads every process's /proc/PID/cmdline, and that read waits for
// the process's mmap_lock: one process stuck in the kernel with it (a page
// fault on a hung NFS or FUSE server) would hang ps, and us, for as long.
constexpr int kPsTimeoutS = 5;

// Runs `ps ARGS` and keeps the header plus the lines of the given pids.
static std::string filter_ps(const std::vector<std::string>& args, const std::vector<pid_t>& pids) {
  spec::Process lookup;
  lookup.args = {"ps"};
  if (const char* path = std::getenv("PATH")) lookup.env = {std::string("PATH=") + path};
  Subprocess p;
  p.path = find_executable(lookup);
  p.args = {"ps"};
  p.args.insert(p.args.end(), args.begin(), args.end());
  for (char** e = environ; *e; ++e) p.env.emplace_back(*e);
  p.timeout_s = kPsTimeoutS;
  p.capture = true;
  SubprocessResult r;
  try {
    r = run_subprocess(p, "", "ps");
  } catch (const Error& e) {
    if (e.error_number() != ETIMEDOUT) throw;
    throw Error("ps(1) did not answer in " + std::to_string(kPsTimeoutS) +
                    " s: a process on this host is stuck in the kernel (state D) and ps waits to read its "
                    "command line; `minirun ps --format json` lists the container's pids without it",
                ETIMEDOUT);
  }
  const std::string& out = r.out;
  if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
    throw Error("ps " + std::to_string(WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status)) +
                ": " + (r.err.empty() ? out : r.err));
  std::stringstream lines(out);
  std::string header, line, result;
  std::getline(lines, header);
  result = header + "\n";
  std::stringstream hs(header);
  std::string col;
  int pid_col = -1;
  for (int i = 0; hs >> col; ++i)
    if (col == "PID") pid_col = i;
  if (pid_col < 0) throw Error("ps: no PID column in the output");
  while (std::getline(lines, line)) {
    std::stringstream ls(line);
    std::string f;
    for (int i = 0; i <= pid_col && ls >> f; ++i) {
    }
    pid_t pid = static_cast<pid_t>(std::atoi(f.c_str()));
    if (std::find(pids.begin(), pids.end(), pid) != pids.end()) result += line + "\n";
  }
  return result;
}

CLI::App* PsFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("ps", "display the processes running inside a container");
  cmd->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  // Everything after the container id goes to ps(1), flags included.
  cmd->prefix_command();
  return cmd;
}

int ps_command(const Globals& g, PsFlags& f) {
  if (f.words.empty()) throw Error("ps: a container id is required");
  const std::string& id = f.words.front();
  std::vector<std::string> ps_args(f.words.begin() + 1, f.words.end());
  return with_command_context("ps " + id, [&] {
    auto store = g.store();
    auto st = store.load(id);
    std::vector<pid_t> pids;
    if (!st.cgroup_paths.empty()) pids = cgroup::Manager::from_paths(st.cgroup_paths)->processes();
    if (f.format == "json") {
      std::puts(nlohmann::json(pids).dump().c_str());
      return 0;
    }
    std::fputs(filter_ps(ps_args.empty() ? std::vector<std::string>{"-ef"} : ps_args, pids).c_str(), stdout);
    return 0;
  });
}

}  // namespace minirun::runtime::cli
