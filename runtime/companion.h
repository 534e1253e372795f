// Companion programs: features built on libraries that Debian ships only as
// shared objects (libsystemd's sd-bus for --systemd-cgroup, libnftables for
// the bridge's NAT) live in small dynamically linked programs beside
// minirun, `minirun-<feature>`.  minirun itself stays a static PIE, so a
// plain `run` never maps those libraries; only a caller of the feature pays
// one fork+exec for it.
//
// Where they are looked up, first hit wins:
//   $MINIRUN_LIBEXEC_DIR            (tests, or a relocated install)
//   <libexecdir>/minirun            (cmake --install, the .deb)
//   the build tree's runtime dir    (running build/runtime/minirun in place)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace minirun::runtime {

// The absolute path of companion `name` ("minirun-systemd"); throws naming
// every place looked at when none has it.
std::string companion_path(std::string_view name);

// Runs the companion with `args` (argv[1..]) and `input` on its stdin, our
// environment, a 60 s limit; returns its stdout.  Its failure throws with
// the last line it printed on stderr: "<name>: <line>".
std::string run_companion(std::string_view name, const std::vector<std::string>& args, std::string_view input = {});

}  // namespace minirun::runtime
