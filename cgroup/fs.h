// Private: small file helpers for cgroup control files.  Every error names
// the file; `write_field` also names the OCI field the value came from.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spec/strings.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup::fs {

bool exists(const std::string& path);
// Whole file; throws "read PATH: cause".
std::string read(const std::string& path);
// nullopt when the file cannot be read (absent controller, old kernel).
std::optional<std::string> try_read(const std::string& path);
// Throws "write PATH: cause" (errno kept); value written in one write(2).
void write(const std::string& path, const std::string& value);
// Same, prefixed by "linux.resources.FIELD: " so the user sees the source.
void write_field(const std::string& field, const std::string& path, const std::string& value);
// write(2) without throwing; returns 0 or the errno.
int write_errno(const std::string& path, const std::string& value);

// One control file written value by value through one fd (devices.allow
// takes a rule per write(2)): one open for N rules.  Errors as write_field.
class FieldWriter {
 public:
  explicit FieldWriter(std::string path) : path_(std::move(path)) {}
  void write(const std::string& field, const std::string& value);

 private:
  std::string path_;
  UniqueFd fd_;
};

std::string trim(const std::string& s);
using minirun::split;  // spec/strings.h
// "max" and absent parse as nullopt; otherwise an unsigned number.
std::optional<uint64_t> parse_uint(const std::string& s);
// A file holding one number (0 if absent or "max").
uint64_t read_uint(const std::string& path);
// "key value" lines (memory.stat, cpu.stat, memory.events, ...).
std::map<std::string, uint64_t> read_keyed(const std::string& path);
// cgroup.procs of dir (one level).
std::vector<pid_t> read_pids(const std::string& dir);
// dir and every directory below it, parents first.
std::vector<std::string> walk_dirs(const std::string& dir);

// mkdir -p; appends every directory it made to `made` (parents first).
void mkdir_p(const std::string& dir, std::vector<std::string>& made);
// rmdir, retrying briefly on EBUSY; ENOENT counts as done.  Returns errno.
int rmdir_retry(const std::string& dir);

std::string join(const std::string& dir, const std::string& name);

// Huge page sizes of this host as cgroup files name them ("2MB", "1GB"),
// from /sys/kernel/mm/hugepages.
std::vector<std::string> hugepage_sizes();
// "hugepages-2048kB" -> "2MB"; empty if not that form.
std::string hugepage_size_name(const std::string& dirent_name);

}  // namespace minirun::cgroup::fs
