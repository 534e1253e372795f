// Small file helpers for runtime/: whole-file reads and atomic writes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/error.h"

namespace minirun::runtime {

std::string read_file(const std::string& path);                 // throws Error naming path
bool try_read_file(const std::string& path, std::string& out);  // false if it cannot be read
void write_file(const std::string& path, const std::string& data, int flags_extra = 0, unsigned mode = 0644);
// write PATH.tmp then rename: readers see the old or the new file, never half.
void write_file_atomic(const std::string& path, const std::string& data);
// --pid-file: written atomically (engines poll for it); "" writes nothing.
void write_pid_file(const std::string& path, int pid);

// The first record of a colon-separated database (/etc/passwd, /etc/group)
// whose fields satisfy `match`; none if the file is unreadable or no record does.
std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match);

}  // namespace minirun::runtime
