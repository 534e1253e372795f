#include "runtime/files.h"

#include <cstdio>

#include "spec/strings.h"

namespace minirun::runtime {

std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match) {
  std::string text;
  if (!try_read_file(path, text)) return std::nullopt;
  for (const std::string& line : split(text, '\n')) {
    if (line.empty()) continue;
    std::vector<std::string> fields = split(line, ':');
    if (match(fields)) return fields;
  }
  return std::nullopt;
}

void write_pid_file(const std::string& path, int pid) {
  if (path.empty()) return;
  std::string tmp = path + ".minirun-tmp";
  write_file(tmp, std::to_string(pid));
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename pid file " + path);
}

}  // namespace minirun::runtime
