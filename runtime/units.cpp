#include "runtime/units.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>

#include "spec/error.h"

namespace minirun::runtime {

int64_t parse_bytes(const std::string& text, const std::string& what) {
  if (text == "-1") return -1;
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) throw Error(what + ": invalid size \"" + text + "\"");
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  if (unit.size() == 3 && unit.substr(1) == "ib") unit = unit.substr(0, 1);
  int shift = unit.empty() || unit == "b" ? 0
              : unit == "k"               ? 10
              : unit == "m"               ? 20
              : unit == "g"               ? 30
              : unit == "t"               ? 40
                                          : -1;
  if (shift < 0) throw Error(what + ": invalid size \"" + text + "\"");
  // Not std::stoll: its out_of_range is no minirun::Error, and a shift past
  // 63 bits is undefined (both found by tests/fuzz/config_fuzz).
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, n);
  if (ec != std::errc() || n > (static_cast<uint64_t>(INT64_MAX) >> shift))
    throw Error(what + ": size \"" + text + "\" is too large");
  return static_cast<int64_t>(n << shift);
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = static_cast<double>(bytes);
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (v == static_cast<double>(static_cast<uint64_t>(v))) {
    std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), units[u]);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

}  // namespace minirun::runtime
