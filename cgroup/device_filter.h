// cgroup v2 device control: the OCI device rules compiled to an eBPF
// BPF_PROG_TYPE_CGROUP_DEVICE program.  Semantics as runc's devicefilter:
// rules are checked last to first and the first match decides (so the last
// matching rule in the list wins); nothing matching means deny.  The
// runtime passes the whole list, starting with runc's "deny all" and its
// default allowed devices; an empty list denies every device.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "spec/spec.h"
#include "spec/unique_fd.h"

namespace minirun::cgroup {

// Pure: the instructions, with no syscall.  Prologue loads
// r2 = device type, r3 = access, r4 = major, r5 = minor from the
// bpf_cgroup_dev_ctx in r1; then one block per rule; then "return 0".
std::vector<bpf_insn> build_device_program(const std::vector<spec::DeviceRule>& rules);

// BPF_PROG_LOAD; throws Error with the verifier log when refused.
UniqueFd load_device_program(const std::vector<bpf_insn>& insns);

// Attaches a program built from `rules` to the cgroup2 directory with
// BPF_F_ALLOW_MULTI, then detaches the device programs attached there before
// (found with BPF_PROG_QUERY), so an update replaces the old filter with no
// window where none applies.  Nothing is pinned.
void attach_device_filter(const std::string& cgroup2_dir, const std::vector<spec::DeviceRule>& rules);

// Number of device programs attached directly to the directory.
int count_device_programs(const std::string& cgroup2_dir);

}  // namespace minirun::cgroup
