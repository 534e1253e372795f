// Byte sizes as people write them ("64m", "1G", as runc's update flags
// accept) and as people read them ("32 MiB").
#pragma once

#include <cstdint>
#include <string>

namespace minirun::runtime {

// "1024", "64k", "64m", "1g", "2GB", "-1" (unlimited).  Throws naming `what`.
int64_t parse_bytes(const std::string& text, const std::string& what);
std::string human_bytes(uint64_t bytes);

}  // namespace minirun::runtime
