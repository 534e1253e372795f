// Read-only commands: state, list, ps.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

void add_state(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("state", "output the state of a container");
  static std::string id;
  cmd->add_option("container-id", id, "container id")->required();
  cmd->callback([&] {
    action = [&] {
      return with_command_context("state " + id, [&] {
        auto store = g.store();
        auto st = store.load(id);
        Status status = current_status(store, st);
        annotate_oom_kills(st);
        std::puts(state_json(st, status, true).c_str());
        return 0;
      });
    };
  });
}

static std::string pad_table(const std::vector<std::vector<std::string>>& rows) {
  // Like runc's tabwriter(minwidth 12, padding 3).
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(std::max<size_t>(12, width[i] + 3) - r[i].size(), ' ');
    }
    out += "\n";
  }
  return out;
}

// runc's list shows the user owning the state dir.  Read from /etc/passwd
// as runc's Go user package does: a static minirun has no NSS modules.
static std::string owner_of(const std::string& dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "";
  const std::string uid = std::to_string(st.st_uid);
  auto pw = find_colon_record("/etc/passwd", [&](const auto& f) { return f.size() >= 3 && f[2] == uid; });
  if (pw && !(*pw)[0].empty()) return (*pw)[0];
  return "#" + uid;
}

void add_list(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("list", "list containers started by minirun with the given root");
  static std::string format = "table";
  static bool quiet = false;
  cmd->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("-q,--quiet", quiet, "display only container IDs");
  cmd->callback([&] {
    action = [&] {
      auto store = g.store();
      std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      for (const auto& id : store.list_ids()) {
        ContainerState st;
        try {
          st = store.load(id);
        } catch (const Error&) {
          continue;  // deleted while we listed
        }
        Status s = current_status(store, st);
        if (quiet) {
          std::puts(id.c_str());
          continue;
        }
        pid_t pid = s == Status::stopped ? 0 : st.pid;
        std::string owner = st.owner.empty() ? owner_of(store.dir(id)) : st.owner;
        if (format == "json") {
          auto j = state_object(st, s);
          j["owner"] = owner;
          arr.push_back(std::move(j));
        } else {
          rows.push_back({id, std::to_string(pid), status_name(s), st.bundle, st.created, owner});
        }
      }
      if (quiet) return 0;
      if (format == "json") {
        std::puts(arr.dump().c_str());
      } else {
        std::fputs(pad_table(rows).c_str(), stdout);
      }
      return 0;
    };
  });
}

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
    if (std::string(e.what()).find("timed out") == std::string::npos) throw;
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

void add_ps(CLI::App& app, Globals& g, Action& action) {
  auto* cmd = app.add_subcommand("ps", "display the processes running inside a container");
  static std::string format = "table";
  static std::string id;
  static std::vector<std::string> ps_args;
  cmd->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  // Everything after the container id goes to ps(1), flags included.
  cmd->prefix_command();
  cmd->callback([&, cmd] {
    action = [&, cmd] {
      auto rest = cmd->remaining();
      if (rest.empty()) throw Error("ps: a container id is required");
      id = rest.front();
      ps_args.assign(rest.begin() + 1, rest.end());
      return with_command_context("ps " + id, [&] {
        auto store = g.store();
        auto st = store.load(id);
        std::vector<pid_t> pids;
        if (!st.cgroup_paths.empty()) pids = cgroup::Manager::from_paths(st.cgroup_paths)->processes();
        if (format == "json") {
          std::puts(nlohmann::json(pids).dump().c_str());
          return 0;
        }
        std::fputs(filter_ps(ps_args.empty() ? std::vector<std::string>{"-ef"} : ps_args, pids).c_str(), stdout);
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
