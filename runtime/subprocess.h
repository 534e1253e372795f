// Running another program and waiting for it: OCI hooks and minirun's
// companion programs (runtime/companion.h) share this one runner.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minirun::runtime {

struct Subprocess {
  std::string path;
  std::vector<std::string> args;  // argv; empty: {path}
  std::vector<std::string> env;   // the whole environment
  int cwd_fd = -1;                // fchdir here first, when >= 0
  std::optional<int> timeout_s;   // SIGKILL after this long
  bool capture = false;           // collect stdout and stderr instead of sharing ours
};

struct SubprocessResult {
  int status = 0;   // as waitpid() reports it
  std::string out;  // with `capture`
  std::string err;
};

// Runs `p` with `input` on its stdin and waits for it.  `name` prefixes the
// errors of the runner itself (fork, timeout); the exit status is the
// caller's to judge, or check_exit()'s.
SubprocessResult run_subprocess(const Subprocess& p, std::string_view input, const std::string& name);

// Throws unless it exited 0: "NAME: exit status 3", "NAME: cannot execute
// PATH" (127), "NAME: killed by signal 9"; with captured stderr, its last
// non-empty line is the message ("NAME: <line>").
void check_exit(const SubprocessResult& r, const std::string& name, const std::string& path);

}  // namespace minirun::runtime
