// The one error type of minirun: a message chain plus the errno that caused it.
// Every library throws it; runtime/ prints it as one line.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

namespace minirun {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg, int err = 0) : std::runtime_error(msg), errno_(err) {}
  int error_number() const { return errno_; }

  // Returns a copy whose message is "context: <this message>".
  Error within(const std::string& context) const { return Error(context + ": " + what(), errno_); }

 private:
  int errno_;
};

// Throws Error("what: strerror(errno)") with the current errno.
[[noreturn]] void throw_errno(const std::string& what);
// Same with an explicit errno value.
[[noreturn]] void throw_errno(const std::string& what, int err);

// Runs fn(); an Error escaping it gets `context: ` prepended.
template <typename Fn>
auto with_context(const std::string& context, Fn&& fn) -> decltype(fn()) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const Error& e) {
    throw e.within(context);
  }
}

}  // namespace minirun
