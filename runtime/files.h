// runtime/'s file helpers on top of spec/files.h: pid files, /etc/passwd.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/files.h"

namespace minirun::runtime {

// --pid-file: written atomically (engines poll for it), through a fresh
// temp name a planted symlink cannot redirect; "" writes nothing.
void write_pid_file(const std::string& path, int pid);

// The first record of a colon-separated database (/etc/passwd, /etc/group)
// whose fields satisfy `match`; none if the file is absent or no record does.
// Call it inside the container's root: the file is the container's, so it
// is resolved in "/" without magic links and read only if it is a regular
// file (a fifo or /dev/zero throws "PATH: not a regular file"), at most
// 64 MiB of it, skipping lines over 64 KiB.
std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match);

// State another local user could have planted is not trusted: throws
// "WHAT: owned by uid N, not by the caller ..." or "...: writable by group
// or others ..." unless st is the caller's (euid) and not group/other-writable.
void check_owned_by_caller(const std::string& what, const struct stat& st);
bool owned_by_caller(const struct stat& st);  // the same, as a test

// A regular file of the caller's, not a symlink, not group/other-writable
// (state.json, a saved config.json); throws naming the path.
std::string read_owned_file(const std::string& path);

}  // namespace minirun::runtime
