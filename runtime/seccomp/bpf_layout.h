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

#include <cstdint>
#include <optional>
#include <vector>

namespace minirun::runtime {

// The highest syscall number a profile names for one of its architectures
// (a libseccomp SCMP_ARCH_* token; X32 numbers carry the x32 bit).
struct ArchLimit {
  uint32_t arch;
  uint32_t last_nr;
};

// runc's -ENOSYS stub, put in front of `prog`: on each arch, a number above
// the highest the profile names gets ENOSYS, not the default action, so
// programs fall back from syscalls newer than the profile (glibc's clone3).
// x86_64 and x32 share an audit arch and split on the x32 bit, as in runc;
// on s390(x), number 0 (the multiplexer for unknown large numbers) too.
// Arches with last_nr 0 get nothing.  Only ==, >, >= on nr and arch: the
// range-tree rewrite folds it into its tree.
std::vector<struct sock_filter> prepend_enosys_stub(const std::vector<struct sock_filter>& prog,
                                                    const std::vector<ArchLimit>& limits);

// The rewritten program, exactly equivalent for every (arch, nr, ip, args).
// nullopt when `prog` uses an instruction outside the subset the rewrite is
// proven for (loads of seccomp_data words, AND and K-compares on arguments,
// JA, RET K; no compare other than ==, >, >= on nr or arch), or when it would
// not be shorter: load `prog` itself then.
std::optional<std::vector<struct sock_filter>> relayout_seccomp_filter(const std::vector<struct sock_filter>& prog);

}  // namespace minirun::runtime
