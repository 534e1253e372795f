// --log / --log-format / --debug.  Errors always reach stderr as one line
// ("minirun: create c1: ..."); with --log they are also written to the file,
// as logrus text or the JSON lines podman and containerd parse:
//   {"level":"error","msg":"...","time":"2026-11-24T19:00:00.000000000Z"}
#pragma once

#include <string>

namespace minirun::runtime {

struct LogConfig {
  std::string file;
  bool json = false;
  bool debug = false;
};

void configure_logging(const LogConfig& cfg);
void log_error(const std::string& msg);    // stderr + file
void log_warning(const std::string& msg);  // stderr + file
// --debug: the steps minirun takes ("create c1: cgroup made ..."), to the
// --log file or else stderr, in the chosen format.  Callers test
// debug_enabled() first, so without --debug no message is ever formatted.
extern bool g_debug_enabled;
inline bool debug_enabled() { return g_debug_enabled; }
void log_debug(const std::string& msg);
// In a process that enters a container: the log file's fd is closed with
// every other host fd; from here on messages go to stderr only.
void forget_log_file();

}  // namespace minirun::runtime
