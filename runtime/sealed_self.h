// CVE-2019-5736: the init and the exec helper are clones of this process, so
// their /proc/PID/exe is its binary.  Before a command that enters a
// container, minirun re-executes itself from a read-only detached bind mount
// of that binary (or, where the kernel refuses the mount, a sealed memfd
// copy), so nothing in a container can ever reach a writable minirun.
#pragma once

namespace minirun::runtime {

// Returns when /proc/self/exe is already read-only (that mount, a read-only
// filesystem, or a write-sealed memfd); otherwise execs the sealed form with
// the same argv and environment and does not return.  Throws when neither
// form can be made.
void run_from_sealed_binary(char** argv);

}  // namespace minirun::runtime
