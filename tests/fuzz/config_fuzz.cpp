// config.json as any tool may write it: parse + validate never crashes,
// never throws anything but minirun::Error, and the raw-JSON scan the seccomp
// cache relies on agrees with the parser.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "runtime/extensions.h"
#include "spec/error.h"
#include "spec/raw_json.h"
#include "spec/spec.h"

using namespace minirun;

static std::pair<size_t, size_t> line_and_column(const std::string& s, size_t pos) {
  const size_t lines = static_cast<size_t>(std::count(s.begin(), s.begin() + static_cast<long>(pos), '\n'));
  const size_t last = pos == 0 ? std::string::npos : s.rfind('\n', pos - 1);
  return {lines, last == std::string::npos ? pos : pos - last - 1};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  bool parsed = false;
  try {
    spec::Spec sp = spec::parse_spec(text);
    parsed = true;
    runtime::parse_extensions(sp.annotations);
  } catch (const Error&) {
  }
  // The cache path: linux.seccomp's span, replaced by null, must leave a
  // config that parses whenever the whole one did (a hit parses exactly that).
  auto span = spec::find_json_member(text, {"linux", "seccomp"});
  if (!span) return 0;
  if (span->first > span->second || span->second > text.size()) {
    std::fprintf(stderr, "find_json_member: span [%zu, %zu) outside %zu bytes\n", span->first, span->second, size);
    std::abort();
  }
  if (span->second - span->first < 4) return 0;  // the runtime never caches these (runtime/seccomp.cpp)
  // Every byte after the span keeps its line and column (the parser's
  // error positions stay true), not its offset: the span's newlines stay.
  const std::string nulled = spec::null_json_span(text, *span);
  const size_t rest = text.size() - span->second;
  if (nulled.size() < rest || nulled.compare(nulled.size() - rest, rest, text, span->second, rest) != 0 ||
      line_and_column(nulled, nulled.size() - rest) != line_and_column(text, span->second)) {
    std::fprintf(stderr, "null_json_span moved what follows the span [%zu, %zu)\n", span->first, span->second);
    std::abort();
  }
  try {
    spec::Spec without = spec::parse_spec(nulled);
    if (without.linux.seccomp) {
      std::fprintf(stderr, "linux.seccomp still there after null_json_span\n");
      std::abort();
    }
  } catch (const Error& e) {
    if (parsed) {
      std::fprintf(stderr, "parses whole, not with linux.seccomp nulled: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
