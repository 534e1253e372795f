// Parses a minirun command line as main() does (Go-style flags included)
// and hands back what the command would have run with: the global flags
// and the command's own flags struct.  No root, no container.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/cli/cli.h"

namespace minirun::runtime::cli::testing {

template <class Flags>
struct Parsed {
  Globals globals;
  Flags flags;
};

template <class Flags>
inline Flags last_run{};

// Stands in for the command's function: keeps the flags it was given.
template <class Flags>
int keep_flags(const Globals&, Flags& f) {
  last_run<Flags> = f;
  return 0;
}

// words: the command line after the program name, e.g. {"kill", "-a", "c1"}.
// A CLI::ParseError escapes as from main's parse.
template <class Flags>
Parsed<Flags> parse(std::vector<std::string> words) {
  CLI::App app;
  Globals g;
  g.declare(app);
  Action action;
  add<Flags, keep_flags<Flags>>(app, g, action);
  words.insert(words.begin(), "minirun");
  parse_args(app, std::move(words));
  if (!action) throw std::runtime_error("the command was not given");
  action();
  return {g, last_run<Flags>};
}

}  // namespace minirun::runtime::cli::testing
