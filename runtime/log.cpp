#include "runtime/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/state.h"

namespace minirun::runtime {

bool g_debug_enabled = false;

namespace {
LogConfig g_config;
int g_fd = -1;

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string format_line(const char* level, const std::string& msg) {
  if (g_config.json) return nlohmann::json{{"level", level}, {"msg", msg}, {"time", rfc3339_now()}}.dump() + "\n";
  return "time=\"" + rfc3339_now() + "\" level=" + level + " msg=" + nlohmann::json(msg).dump() + "\n";
}

void emit(const char* level, const std::string& msg, bool to_stderr) {
  if (g_fd >= 0) write_all(g_fd, format_line(level, msg));
  if (!to_stderr) return;
  // Like runc: with --log-format json and no --log file, stderr is the log,
  // so it gets the JSON line a caller may parse.
  if (g_config.json && g_config.file.empty()) {
    write_all(STDERR_FILENO, format_line(level, msg));
  } else {
    write_all(STDERR_FILENO, "minirun: " + msg + "\n");
  }
}
}  // namespace

void configure_logging(const LogConfig& cfg) {
  g_config = cfg;
  g_debug_enabled = cfg.debug;
  if (!cfg.file.empty()) {
    // O_CLOEXEC: the log fd must never reach a container.
    g_fd = ::open(cfg.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
}

void log_error(const std::string& msg) { emit("error", msg, true); }
void log_warning(const std::string& msg) { emit("warning", msg, true); }
void log_debug(const std::string& msg) {
  if (g_config.debug) emit("debug", msg, g_fd < 0);
}

void forget_log_file() { g_fd = -1; }

}  // namespace minirun::runtime
