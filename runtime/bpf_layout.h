// A seccomp filter rebuilt as a search tree over syscall-number ranges.
//
// libseccomp 2.5 compares the syscall number with one JEQ per syscall and
// architecture: podman's profile becomes ~1400 instructions, and the kernel
// checks, converts and JITs every one at each container start (~0.3 us per
// instruction here).  The decisions only change where the number crosses a
// constant the program compares it with, so the rewrite evaluates the
// program once per range between those constants, merges neighbours with the
// same outcome and emits a binary search over the ranges: the same filter in
// about a quarter of the instructions (podman's profile: 1397 -> 324).
#pragma once

#include <linux/filter.h>

#include <optional>
#include <vector>

namespace minirun::runtime {

// The rewritten program, exactly equivalent for every (arch, nr, ip, args).
// nullopt when `prog` uses an instruction outside the subset the rewrite is
// proven for (loads of seccomp_data words, AND and K-compares on arguments,
// JA, RET K; no compare other than ==, >, >= on nr or arch), or when it would
// not be shorter: load `prog` itself then.
std::optional<std::vector<struct sock_filter>> relayout_seccomp_filter(const std::vector<struct sock_filter>& prog);

}  // namespace minirun::runtime
