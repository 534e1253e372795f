// Private: lexical path helpers (no filesystem access).
#pragma once

#include <string>

namespace minirun::rootfs {

// "/a/b/c" -> "/a/b/"; "c" -> "."; "/" -> "/".
std::string parent_dir(const std::string& path);
// "/a/b/c/" -> "c"; "/" -> "".
std::string last_component(const std::string& path);
// Lexically cleaned absolute form: "//dev/./x/" -> "/dev/x", ".." clamped at "/".
std::string clean_absolute(const std::string& path);

}  // namespace minirun::rootfs
