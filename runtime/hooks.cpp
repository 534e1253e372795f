#include "runtime/hooks.h"

#include <fcntl.h>

#include "runtime/log.h"
#include "runtime/subprocess.h"
#include "spec/unique_fd.h"

namespace minirun::runtime {

namespace {

void run_hook(const spec::Hook& hook, const std::string& state_json, const std::string& name, int cwd_fd) {
  Subprocess p{hook.path, hook.args, hook.env, cwd_fd, hook.timeout, false};
  check_exit(run_subprocess(p, state_json, name), name, hook.path);
}

}  // namespace

void run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json, const char* phase,
               const std::string& cwd) {
  if (hooks.empty()) return;
  // Opened here, so a missing dir fails with its name; the child only fchdirs.
  UniqueFd dir;
  if (!cwd.empty()) {
    dir.reset(::open(cwd.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) throw_errno(std::string(phase) + " hooks: open their working directory " + cwd);
  }
  for (size_t i = 0; i < hooks.size(); ++i) {
    std::string name = std::string(phase) + " hook #" + std::to_string(i) + " (" + hooks[i].path + ")";
    if (debug_enabled()) log_debug("running " + name);
    run_hook(hooks[i], state_json, name, dir.get());
  }
}

}  // namespace minirun::runtime
