// `events`: a container's stats and OOM kills, as runc prints them.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"
#include "runtime/files.h"

namespace minirun::runtime::cli {

using nlohmann::ordered_json;

// Go's duration units, in milliseconds.
const std::pair<const char*, double> kDurationUnits[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\u00b5s", 1e-3}, {"ms", 1},
                                                       {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};

// A Go duration as runc's --interval takes it: "5s", "500ms", "1m30s", "1h".
static std::chrono::milliseconds parse_interval(const std::string& text) {
  double total = 0;
  size_t i = 0;
  auto bad = [&] { return Error("--interval: invalid duration \"" + text + "\""); };
  if (text.empty()) throw bad();
  while (i < text.size()) {
    size_t used = 0;
    double n;
    try {
      n = std::stod(text.substr(i), &used);
    } catch (const std::exception&) {
      throw bad();
    }
    if (n < 0 || text[i] == '+' || text[i] == '-') throw bad();
    i += used;
    double scale = 0;
    for (const auto& [name, ms] : kDurationUnits) {
      std::string u = name;
      // "m" must not take the "m" of "ms".
      if (text.compare(i, u.size(), u) == 0 && (u != "m" || text.compare(i, 2, "ms") != 0)) {
        scale = ms;
        i += u.size();
        break;
      }
    }
    if (scale == 0) throw bad();
    total += n * scale;
  }
  if (total < 1) throw Error("--interval: must be at least 1ms, got \"" + text + "\"");
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

CLI::App* EventsFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("events", "display container events such as OOM notifications and usage statistics");
  cmd->add_flag("--stats", stats, "display the container's stats then exit");
  cmd->add_option("--interval", interval, "the stats collection interval (default 5s)");
  cmd->add_option("container-id", id, "container id")->required();
  return cmd;
}

namespace {

// One line per event, in runc's field order: type, id, data.
void print_event(const std::string& id, const char* type, const ordered_json& data) {
  ordered_json e = {{"type", type}, {"id", id}};
  if (!data.is_null()) e["data"] = data;
  std::puts(e.dump().c_str());
  std::fflush(stdout);
}

// An "oom" event per OOM kill in the cgroup since it was made.
class OomEvents {
 public:
  OomEvents(const cgroup::Manager& cg, const std::string& id) : cg_(cg), id_(id), seen_(cg.oom_kill_count()) {}

  // v1 signals the eventfd before the killer has counted its kill; v2
  // wakes on any memory.events change: report what the counter says.
  void report(std::chrono::milliseconds wait) {
    auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      uint64_t now = cg_.oom_kill_count();
      bool any = seen_ < now;
      for (; seen_ < now; ++seen_) print_event(id_, "oom", nullptr);
      if (any || std::chrono::steady_clock::now() >= until) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  const cgroup::Manager& cg_;
  const std::string& id_;
  uint64_t seen_;
};

// Streams stats every period and an "oom" event per OOM kill, until the
// container's init exits.
int stream_events(const StateStore& store, const ContainerState& st, const std::string& id, const cgroup::Manager& cg,
                  std::chrono::milliseconds period) {
  UniqueFd oom(cg.open_oom_event_fd());
  UniqueFd init(static_cast<int>(::syscall(SYS_pidfd_open, st.pid, 0)));
  OomEvents ooms(cg, id);
  if (!init || current_status(store, st) == Status::stopped) throw Error("container not running");
  auto next_stats = std::chrono::steady_clock::now() + period;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_stats - std::chrono::steady_clock::now());
    struct pollfd p[2] = {{init.get(), POLLIN, 0}, {oom ? oom.get() : -1, POLLIN, 0}};
    int rc = ::poll(p, 2, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (rc < 0 && errno != EINTR) throw_errno("poll");
    if (rc > 0 && (p[1].revents & POLLIN)) {
      char buf[4096];
      (void)!::read(oom.get(), buf, sizeof buf);
      ooms.report(std::chrono::milliseconds(200));
    }
    if (rc > 0 && (p[0].revents & POLLIN)) {
      try {
        ooms.report(std::chrono::milliseconds(100));  // the kill that ended the init
      } catch (const Error&) {
        // deleted meanwhile: nothing more to report
      }
      return 0;
    }
    if (std::chrono::steady_clock::now() >= next_stats) {
      print_event(id, "stats", stats_json(cg.stats()));
      next_stats += period;
    }
  }
}

}  // namespace

int events_command(const Globals& g, EventsFlags& f) {
  return with_command_context("events " + f.id, [&] {
    auto store = g.store();
    auto st = store.load(f.id);
    auto period = parse_interval(f.interval);
    auto cg = running_cgroup(store, st);
    if (f.stats) {
      print_event(f.id, "stats", stats_json(cg->stats()));
      return 0;
    }
    return stream_events(store, st, f.id, *cg, period);
  });
}

}  // namespace minirun::runtime::cli
