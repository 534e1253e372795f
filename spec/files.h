// Whole-file reads and atomic writes, shared by every library (spec/ is the
// base they all link).  Errors name the path: "open /x/config.json: ...".
#pragma once

#include <string>

#include "spec/error.h"

namespace minirun {

std::string read_file(const std::string& path);                 // throws Error naming path
bool try_read_file(const std::string& path, std::string& out);  // false if it cannot be read
// Creates or truncates path; never follows a symlink at its final name (ELOOP).
void write_file(const std::string& path, const std::string& data, int flags_extra = 0, unsigned mode = 0644);
// Writes a fresh PATH.XXXXXX (O_EXCL, then `mode`) and renames it over
// path: readers see the old or the new file, never half of one, and no
// planted name is ever followed.  `sync` also fsyncs before the rename.
void write_file_atomic(const std::string& path, const std::string& data, bool sync = false, unsigned mode = 0600);

}  // namespace minirun
