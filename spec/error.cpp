#include "spec/error.h"

#include <cstring>

namespace minirun {

void throw_errno(const std::string& what, int err) {
  // One line: "what: strerror" ("mount /proc: Device or resource busy").
  throw Error(what + ": " + std::strerror(err), err);
}

void throw_errno(const std::string& what) { throw_errno(what, errno); }

}  // namespace minirun
