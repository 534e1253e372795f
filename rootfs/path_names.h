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
// Whether `path` is `dir` or below it ("/a/b" is under "/a", "/ab" is not).
bool path_is_under(const std::string& path, const std::string& dir);

}  // namespace minirun::rootfs
