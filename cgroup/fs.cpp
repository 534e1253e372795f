#include "cgroup/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "spec/error.h"
#include "spec/files.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup::fs {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

std::optional<std::string> try_read(const std::string& path) {
  std::string out;
  if (!try_read_file(path, out)) return std::nullopt;
  return out;
}

std::string read(const std::string& path) { return read_file(path); }

int write_errno(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return 0;
}

void write(const std::string& path, const std::string& value) {
  if (int err = write_errno(path, value)) throw_errno("write " + path, err);
}

namespace {
[[noreturn]] void throw_field_error(const std::string& field, const std::string& path, const std::string& value,
                                    int err) {
  std::string hint;
  if (err == ENOENT) hint = " (the controller or file does not exist on this host)";
  throw Error("linux.resources." + field + ": write " + path + " \"" + value + "\": " + std::strerror(err) + hint, err);
}
}  // namespace

void write_field(const std::string& field, const std::string& path, const std::string& value) {
  if (int err = write_errno(path, value)) throw_field_error(field, path, value, err);
}

void FieldWriter::write(const std::string& field, const std::string& value) {
  if (!fd_) fd_.reset(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd_) throw_field_error(field, path_, value, errno);
  ssize_t n;
  do {
    n = ::write(fd_.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_field_error(field, path_, value, errno);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n\r");
  return s.substr(b, e - b + 1);
}

std::optional<uint64_t> parse_uint(const std::string& s) {
  std::string t = trim(s);
  if (t.empty() || t == "max") return std::nullopt;
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

uint64_t read_uint(const std::string& path) {
  auto text = try_read(path);
  if (!text) return 0;
  return parse_uint(*text).value_or(0);
}

std::map<std::string, uint64_t> read_keyed(const std::string& path) {
  std::map<std::string, uint64_t> out;
  auto text = try_read(path);
  if (!text) return out;
  for (const auto& line : split(*text, '\n')) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    if (auto v = parse_uint(line.substr(sp + 1))) out[line.substr(0, sp)] = *v;
  }
  return out;
}

std::vector<pid_t> read_pids(const std::string& dir) {
  std::vector<pid_t> out;
  auto text = try_read(join(dir, "cgroup.procs"));
  if (!text) return out;
  for (const auto& line : split(*text, '\n')) {
    if (auto v = parse_uint(line)) out.push_back(static_cast<pid_t>(*v));
  }
  return out;
}

std::vector<std::string> walk_dirs(const std::string& dir) {
  std::vector<std::string> out;
  if (!exists(dir)) return out;
  out.push_back(dir);
  for (size_t i = 0; i < out.size(); ++i) {
    DIR* d = ::opendir(out[i].c_str());
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      if (e->d_type != DT_DIR || std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      out.push_back(join(out[i], e->d_name));
    }
    ::closedir(d);
  }
  return out;
}

void mkdir_p(const std::string& dir, std::vector<std::string>& made) {
  // Leaf first: the parents almost always exist, so this is one syscall
  // instead of one per path component.  `made` stays parents-first.
  if (::mkdir(dir.c_str(), 0755) == 0) {
    made.push_back(dir);
    return;
  }
  if (errno == EEXIST) return;
  auto slash = dir.find_last_of('/');
  if (errno != ENOENT || slash == 0 || slash == std::string::npos) throw_errno("mkdir " + dir);
  mkdir_p(dir.substr(0, slash), made);
  if (::mkdir(dir.c_str(), 0755) == 0) {
    made.push_back(dir);
  } else if (errno != EEXIST) {
    throw_errno("mkdir " + dir);
  }
}

int rmdir_retry(const std::string& dir) {
  // A cgroup whose last task just exited can stay busy for a few ms.
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) return errno;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return EBUSY;
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string hugepage_size_name(const std::string& name) {
  const std::string prefix = "hugepages-";
  if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 3 || name.substr(name.size() - 2) != "kB") return "";
  auto kb = parse_uint(name.substr(prefix.size(), name.size() - prefix.size() - 2));
  if (!kb || *kb == 0) return "";
  uint64_t v = *kb;
  const char* units[] = {"KB", "MB", "GB", "TB", "PB"};
  size_t u = 0;
  while (v >= 1024 && v % 1024 == 0 && u + 1 < 5) {
    v /= 1024;
    ++u;
  }
  return std::to_string(v) + units[u];
}

std::vector<std::string> hugepage_sizes() {
  std::vector<std::string> out;
  DIR* d = ::opendir("/sys/kernel/mm/hugepages");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = hugepage_size_name(e->d_name);
    if (!name.empty()) out.push_back(name);
  }
  ::closedir(d);
  return out;
}

}  // namespace minirun::cgroup::fs
