// Container state under --root: ROOT/ID/{state.json,config.json,exec.fifo,lock}.
// state.json is written with write-temp + rename, first by create before it
// makes anything outside the state dir (so a create killed at any step leaves
// a state `delete --force` can undo), then once per change.  The status is
// derived, as runc does: a dead (or recycled) init pid is "stopped", a live
// one that create has not finished is "creating", one still waiting on the
// exec fifo is "created", else "running", and a frozen cgroup is "paused".
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ns/net/network.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

enum class Status { creating, created, running, paused, stopped };
const char* status_name(Status s);

struct ContainerState {
  std::string id;
  pid_t pid = 0;
  uint64_t start_time = 0;  // /proc/PID/stat field 22: pid + start time is the identity
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339 with nanoseconds, UTC
  std::string owner;
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> cgroup_paths;
  std::vector<std::string> cgroup_made_parents;  // removed on delete
  std::string systemd_unit;                      // --systemd-cgroup: the scope, stopped on delete
  std::optional<ns::Lease> lease;                // bridge networking
  bool overlay = false;
  bool persistent_upper = false;
  // Saved as true by create before it makes anything outside the state dir,
  // false once the container is whole (the init ready and told so).
  bool creating = false;
  uint64_t oom_kills_at_create = 0;
  // Known at create, so start and delete read the saved config only when
  // they have hooks to run.
  bool poststart_hooks = false;
  bool poststop_hooks = false;
};

// The state root when --root is not given: /run/minirun for root; else
// $XDG_RUNTIME_DIR/minirun, or /run/user/UID/minirun when that dir is the
// user's (as runc).  Never a shared dir such as /tmp: throws asking for
// XDG_RUNTIME_DIR or --root when nothing private exists.
std::string default_state_root();

class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }
  std::string fifo_path(const std::string& id) const { return dir(id) + "/exec.fifo"; }
  // The tmpfs (as root) holding an ephemeral overlay's upper and work dirs.
  std::string overlay_fs_path(const std::string& id) const { return dir(id) + "/overlay"; }

  // Throws unless the root, when it exists, is a dir of the caller's that
  // no group or other user can write: another local user must not feed us
  // a state.json (a pid to kill) or a config.json (hooks to run).
  void check_root() const;

  // Makes ROOT/ID, and ROOT with any missing parents (0700); throws
  // "container with id exists: ID" if present.
  void create_dir(const std::string& id) const;
  void remove_dir(const std::string& id) const;  // recursive, best effort
  bool exists(const std::string& id) const;
  std::vector<std::string> list_ids() const;

  void save(const ContainerState& s) const;  // atomic
  // Throws "container does not exist: ID" (runc's wording) when absent,
  // "state of ID is corrupt: PATH" (errno EUCLEAN) when unreadable.
  ContainerState load(const std::string& id) const;

  // An exclusive flock on ROOT/ID/lock for the duration of a command.
  UniqueFd lock(const std::string& id) const;

 private:
  std::string root_;
};

// The container init's name (/proc/PID/comm) until it execs, as runc's
// "runc:[2:INIT]": an exec fifo left behind by a `start` killed after it
// released the init does not make an exec'd container look "created".
inline constexpr char kInitProcessName[] = "minirun:[init]";

// /proc/PID/stat start time, or 0 if the process is gone.
uint64_t process_start_time(pid_t pid);
// True when pid is alive, not a zombie, and has the recorded start time.
bool process_is(pid_t pid, uint64_t start_time);

Status current_status(const StateStore& store, const ContainerState& s);

// The OCI state JSON (`minirun state`, hooks' stdin).
// The same as an object (list -f json adds to it).
nlohmann::ordered_json state_object(const ContainerState& s, Status status);
std::string state_json(const ContainerState& s, Status status, bool pretty);

std::string rfc3339_now();

// Checks an ID the way runc does: ^[\w+-\.]+$ and not "." or "..".
void validate_id(const std::string& id);

}  // namespace minirun::runtime
