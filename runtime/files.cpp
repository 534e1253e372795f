#include "runtime/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "spec/unique_fd.h"

namespace minirun::runtime {

static bool read_all(int fd, std::string& out) {
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open " + path);
  std::string out;
  if (!read_all(fd.get(), out)) throw_errno("read " + path);
  return out;
}

bool try_read_file(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  out.clear();
  return read_all(fd.get(), out);
}

void write_file(const std::string& path, const std::string& data, int flags_extra, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | flags_extra, mode));
  if (!fd) throw_errno("open " + path);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write " + path);
    off += static_cast<size_t>(n);
  }
}

void write_file_atomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  write_file(tmp, data, 0, 0600);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename " + tmp);
}

std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match) {
  std::string text;
  if (!try_read_file(path, text)) return std::nullopt;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream parts(line);
    std::string field;
    while (std::getline(parts, field, ':')) fields.push_back(field);
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
