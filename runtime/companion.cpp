#include "runtime/companion.h"

#include <unistd.h>

#include "runtime/subprocess.h"
#include "spec/error.h"

extern char** environ;

namespace minirun::runtime {

std::string companion_path(std::string_view name) {
  std::vector<std::string> dirs;
  if (const char* dir = ::getenv("MINIRUN_LIBEXEC_DIR"); dir && *dir) dirs.emplace_back(dir);
  dirs.emplace_back(MINIRUN_LIBEXEC_DIR);
  dirs.emplace_back(MINIRUN_BUILD_COMPANION_DIR);
  std::string looked;
  for (const auto& dir : dirs) {
    std::string path = dir + "/" + std::string(name);
    if (::access(path.c_str(), X_OK) == 0) return path;
    looked += (looked.empty() ? "" : ", ") + path;
  }
  throw Error(std::string(name) + " is not installed (looked for " + looked + ")");
}

std::string run_companion(std::string_view name, const std::vector<std::string>& args, std::string_view input) {
  Subprocess p;
  p.path = companion_path(name);
  p.args.push_back(p.path);
  p.args.insert(p.args.end(), args.begin(), args.end());
  for (char** e = environ; e && *e; ++e) p.env.emplace_back(*e);
  p.timeout_s = 60;
  p.capture = true;
  std::string label(name);
  SubprocessResult r = run_subprocess(p, input, label);
  check_exit(r, label, p.path);
  return r.out;
}

}  // namespace minirun::runtime
