// OCI hooks: each runs with the state JSON on stdin, its own args and env,
// and an optional timeout; a failing hook fails the step, as runc.
#pragma once

#include <string>
#include <vector>

#include "spec/spec.h"

namespace minirun::runtime {

// Runs hooks in order.  `phase` ("prestart", "poststop") names them in
// errors: `prestart hook #1 (/bin/x): exit status 3`.  With `cwd`, each
// runs in that directory (runc: the bundle; createContainer: the rootfs).
void run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json, const char* phase,
               const std::string& cwd = {});

}  // namespace minirun::runtime
