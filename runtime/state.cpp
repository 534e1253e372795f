#include "runtime/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cgroup/cgroup.h"
#include "runtime/files.h"
#include "runtime/log.h"

namespace minirun::runtime {

using nlohmann::json;

const char* status_name(Status s) {
  switch (s) {
    case Status::creating:
      return "creating";
    case Status::created:
      return "created";
    case Status::running:
      return "running";
    case Status::paused:
      return "paused";
    case Status::stopped:
      return "stopped";
  }
  return "unknown";
}

void validate_id(const std::string& id) {
  if (id.empty()) throw Error("container id cannot be empty");
  if (id == "." || id == "..") throw Error("invalid container id format: " + id);
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '.';
    if (!ok) throw Error("invalid container id format: " + id);
  }
}

std::string default_state_root() {
  uid_t uid = ::geteuid();
  if (uid == 0) return "/run/minirun";
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg == '/') return std::string(xdg) + "/minirun";
  std::string run_user = "/run/user/" + std::to_string(uid);
  struct stat st;
  if (::stat(run_user.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && owned_by_caller(st)) return run_user + "/minirun";
  throw Error("no private state directory for uid " + std::to_string(uid) +
              ": set XDG_RUNTIME_DIR or --root to a directory of your own");
}

void StateStore::check_root() const {
  struct stat st;
  if (::stat(root_.c_str(), &st) != 0) {
    if (errno == ENOENT) return;  // made 0700 by the first create
    throw_errno("state root " + root_);
  }
  if (!S_ISDIR(st.st_mode)) throw Error("state root " + root_ + ": not a directory", ENOTDIR);
  check_owned_by_caller("state root " + root_, st);
}

// ROOT/ID itself, not a symlink to elsewhere, and the caller's.
static void check_container_dir(const std::string& dir, const std::string& id) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error("container does not exist: " + id, ENOENT);
    throw_errno("stat " + dir);
  }
  if (!S_ISDIR(st.st_mode)) throw Error(dir + ": not a directory", ENOTDIR);
  check_owned_by_caller(dir, st);
}

// mkdir -p with 0700 for each dir made (as runc, whose root's parents may
// not exist yet: docker's shim passes /run/docker/runtime-runc/moby on a
// fresh host).  Parents that exist are not judged: only the root is.
static void make_dirs(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return;
  if (errno != ENOENT) throw_errno("mkdir " + path);
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) throw_errno("mkdir " + path, ENOENT);
  make_dirs(path.substr(0, slash));
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

void StateStore::create_dir(const std::string& id) const {
  std::string root = root_;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (::mkdir(root.c_str(), 0700) != 0) {
    if (errno == ENOENT) {
      make_dirs(root);
    } else if (errno != EEXIST) {
      throw_errno("mkdir " + root_);
    }
    check_root();  // also when made just now: a racing user may have made it first
  }
  if (::mkdir(dir(id).c_str(), 0711) != 0) {
    if (errno == EEXIST) throw Error("container with id exists: " + id, EEXIST);
    throw_errno("mkdir " + dir(id));
  }
}

void StateStore::remove_dir(const std::string& id) const {
  // The overlay's tmpfs first (left mounted too if minirun was killed), or
  // remove_all would empty it and fail on the mount point.
  ::umount2(overlay_fs_path(id).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
  std::error_code ec;
  std::filesystem::remove_all(dir(id), ec);
}

bool StateStore::exists(const std::string& id) const {
  struct stat st;
  return ::stat((dir(id) + "/state.json").c_str(), &st) == 0;
}

std::vector<std::string> StateStore::list_ids() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir(root_.c_str());
  if (!d) return ids;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
    if (exists(e->d_name)) ids.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

static json lease_to_json(const ns::Lease& l) {
  json ports = json::array();
  for (const auto& p : l.ports) {
    ports.push_back({{"host_ip", p.host_ip},
                     {"host_port", p.host_port},
                     {"container_port", p.container_port},
                     {"protocol", p.protocol}});
  }
  return json{{"container_id", l.container_id}, {"ports", ports},       {"bridge", l.bridge},
              {"host_veth", l.host_veth},       {"address", l.address}, {"prefix_len", l.prefix_len},
              {"gateway", l.gateway},           {"mtu", l.mtu}};
}

static ns::Lease lease_from_json(const json& j) {
  ns::Lease l;
  l.container_id = j.value("container_id", "");
  l.bridge = j.value("bridge", "");
  l.host_veth = j.value("host_veth", "");
  l.address = j.value("address", "");
  l.prefix_len = j.value("prefix_len", 16);
  l.gateway = j.value("gateway", "");
  l.mtu = j.value("mtu", 1500u);
  for (const auto& p : j.value("ports", json::array())) {
    ns::PublishedPort port;
    port.host_ip = p.value("host_ip", "");
    port.host_port = p.value("host_port", uint16_t{0});
    port.container_port = p.value("container_port", uint16_t{0});
    port.protocol = p.value("protocol", "tcp");
    l.ports.push_back(port);
  }
  return l;
}

void StateStore::save(const ContainerState& s) const {
  json j = {{"id", s.id},
            {"pid", s.pid},
            {"start_time", s.start_time},
            {"bundle", s.bundle},
            {"rootfs", s.rootfs},
            {"created", s.created},
            {"owner", s.owner},
            {"annotations", s.annotations},
            {"cgroup_paths", s.cgroup_paths},
            {"cgroup_made_parents", s.cgroup_made_parents},
            {"systemd_unit", s.systemd_unit},
            {"overlay", s.overlay},
            {"persistent_upper", s.persistent_upper},
            {"creating", s.creating},
            {"oom_kills_at_create", s.oom_kills_at_create},
            {"poststart_hooks", s.poststart_hooks},
            {"poststop_hooks", s.poststop_hooks}};
  if (s.lease) j["lease"] = lease_to_json(*s.lease);
  write_file_atomic(dir(s.id) + "/state.json", j.dump());
  if (debug_enabled()) log_debug("state saved: " + dir(s.id) + "/state.json (pid " + std::to_string(s.pid) + ")");
}

static void read_state_fields(const json& j, const std::string& id, ContainerState& s) {
  s.id = j.value("id", id);
  s.pid = j.value("pid", 0);
  s.start_time = j.value("start_time", uint64_t{0});
  s.bundle = j.value("bundle", "");
  s.rootfs = j.value("rootfs", "");
  s.created = j.value("created", "");
  s.owner = j.value("owner", "");
  s.annotations = j.value("annotations", std::map<std::string, std::string>{});
  s.cgroup_paths = j.value("cgroup_paths", std::map<std::string, std::string>{});
  s.cgroup_made_parents = j.value("cgroup_made_parents", std::vector<std::string>{});
  s.systemd_unit = j.value("systemd_unit", "");
  s.overlay = j.value("overlay", false);
  s.persistent_upper = j.value("persistent_upper", false);
  s.creating = j.value("creating", false);
  s.oom_kills_at_create = j.value("oom_kills_at_create", uint64_t{0});
  s.poststart_hooks = j.value("poststart_hooks", false);
  s.poststop_hooks = j.value("poststop_hooks", false);
  if (j.contains("lease")) s.lease = lease_from_json(j["lease"]);
}

ContainerState StateStore::load(const std::string& id) const {
  validate_id(id);
  check_container_dir(dir(id), id);
  std::string text;
  try {
    text = read_owned_file(dir(id) + "/state.json");
  } catch (const Error& e) {
    if (e.error_number() == ENOENT) throw Error("container does not exist: " + id, ENOENT);
    throw;
  }
  const std::string corrupt = "state of " + id + " is corrupt: " + dir(id) + "/state.json";
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(corrupt, EUCLEAN);
  ContainerState s;
  try {
    read_state_fields(j, id, s);
  } catch (const json::exception& e) {
    throw Error(corrupt + ": " + e.what(), EUCLEAN);
  }
  // A pid without the start time that makes it the container's (a torn or
  // edited file) names no process of the container's: never signalled.
  if (s.start_time == 0) s.pid = 0;
  return s;
}


UniqueFd StateStore::lock(const std::string& id) const {
  check_container_dir(dir(id), id);
  UniqueFd fd(::open((dir(id) + "/lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == ENOENT) throw Error("container does not exist: " + id, ENOENT);
    throw_errno("open " + dir(id) + "/lock");
  }
  if (::flock(fd.get(), LOCK_EX) != 0) throw_errno("flock " + dir(id) + "/lock");
  return fd;
}

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  std::string stat;
  if (!try_read_file(path, stat)) return 0;
  // comm may contain spaces and parens: fields resume after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  const char* p = stat.c_str() + close + 2;
  char state = *p;
  if (state == 'Z' || state == 'X') return 0;
  // After ')' come field 3 (state) .. field 22 (starttime): skip 19 fields.
  for (int field = 3; field < 22; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return 0;
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

bool process_is(pid_t pid, uint64_t start_time) {
  uint64_t now = process_start_time(pid);
  return now != 0 && now == start_time;
}

Status current_status(const StateStore& store, const ContainerState& s) {
  if (!process_is(s.pid, s.start_time)) return Status::stopped;
  if (s.creating) return Status::creating;
  if (!s.cgroup_paths.empty()) {
    try {
      auto mgr = cgroup::Manager::from_paths(s.cgroup_paths);
      auto fs = mgr->freezer_state();
      if (fs == cgroup::FreezerState::frozen || fs == cgroup::FreezerState::freezing) return Status::paused;
    } catch (const Error&) {
    }
  }
  struct stat st;
  if (::lstat(store.fifo_path(s.id).c_str(), &st) != 0) return Status::running;
  std::string comm;
  bool waiting = try_read_file("/proc/" + std::to_string(s.pid) + "/comm", comm) &&
                 comm == std::string(kInitProcessName) + "\n";
  return waiting ? Status::created : Status::running;
}

nlohmann::ordered_json state_object(const ContainerState& s, Status status) {
  // runc's field order, which people diffing outputs expect (annotations,
  // omitted when empty, before owner).
  nlohmann::ordered_json j = {
      {"ociVersion", "1.0.2-dev"},     {"id", s.id},         {"pid", status == Status::stopped ? 0 : s.pid},
      {"status", status_name(status)}, {"bundle", s.bundle}, {"rootfs", s.rootfs},
      {"created", s.created}};
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  j["owner"] = s.owner;
  return j;
}

std::string state_json(const ContainerState& s, Status status, bool pretty) {
  return pretty ? state_object(s, status).dump(2) : state_object(s, status).dump();
}

std::string rfc3339_now() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  ::gmtime_r(&ts.tv_sec, &tm);
  // Not strftime: it calls tzset(), which reads /etc/localtime for a UTC stamp.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  return buf;
}

}  // namespace minirun::runtime
