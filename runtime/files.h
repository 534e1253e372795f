// runtime/'s file helpers on top of spec/files.h: pid files, /etc/passwd.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "spec/files.h"

namespace minirun::runtime {

// --pid-file: written atomically (engines poll for it); "" writes nothing.
void write_pid_file(const std::string& path, int pid);

// The first record of a colon-separated database (/etc/passwd, /etc/group)
// whose fields satisfy `match`; none if the file is unreadable or no record does.
std::optional<std::vector<std::string>> find_colon_record(
    const std::string& path, const std::function<bool(const std::vector<std::string>&)>& match);

}  // namespace minirun::runtime
