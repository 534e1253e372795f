// `list`: the containers under --root, as a table or JSON.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "runtime/cli/cli.h"
#include "runtime/files.h"

namespace minirun::runtime::cli {

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

CLI::App* ListFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "list containers started by minirun with the given root");
  cmd->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->add_flag("-q,--quiet", quiet, "display only container IDs");
  return cmd;
}

int list_command(const Globals& g, ListFlags& f) {
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
    if (f.quiet) {
      std::puts(id.c_str());
      continue;
    }
    pid_t pid = s == Status::stopped ? 0 : st.pid;
    std::string owner = st.owner.empty() ? owner_of(store.dir(id)) : st.owner;
    if (f.format == "json") {
      auto j = state_object(st, s);
      j["owner"] = owner;
      arr.push_back(std::move(j));
    } else {
      rows.push_back({id, std::to_string(pid), status_name(s), st.bundle, st.created, owner});
    }
  }
  if (f.quiet) return 0;
  if (f.format == "json") {
    std::puts(arr.dump().c_str());
  } else {
    std::fputs(pad_table(rows).c_str(), stdout);
  }
  return 0;
}

}  // namespace minirun::runtime::cli
