// runtime/bpf_layout against libseccomp: a profile made of the fuzzer's
// bytes (actions, arches, syscall numbers, argument compares, the -ENOSYS
// stub's limits) becomes libseccomp's program; its range-tree rewrite must
// return the same action for every arch, number and argument the profile
// names (and the constants' neighbours), run by seccomp_oracle.h.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>

#include "runtime/seccomp/bpf_layout.h"
#include "seccomp_oracle.h"

using namespace minirun::runtime;

namespace {

void require_same(const Program& want, const Program& got, const Profile& p, const char* what) {
  // 64 numbers a program: the whole check of a 1000-instruction program
  // costs ~1e9 steps, which held the fuzzer to under 100 programs a second.
  std::string diff = first_difference(want, got, p.arches, 64);
  // The numbers and argument values the rules name, on the native arch.
  for (const Rule& r : p.rules) {
    if (!diff.empty()) break;
    struct seccomp_data d = {};
    d.nr = r.nr;
    d.arch = AUDIT_ARCH_X86_64;
    for (const scmp_arg_cmp& a : r.args)
      if (a.arg < 6) d.args[a.arg] = a.datum_a;
    if (run(want, d) != run(got, d)) diff = "nr " + std::to_string(r.nr) + " with its rule's arguments";
  }
  if (diff.empty()) return;
  std::fprintf(stderr, "%s: %zu -> %zu instructions: %s\n", what, want.size(), got.size(), diff.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const uint32_t actions[] = {SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ERRNO(ENOSYS), SCMP_ACT_KILL_PROCESS,
                              SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_TRAP, SCMP_ACT_TRACE(7),
                              SCMP_ACT_NOTIFY};
  const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM,
                             SCMP_ARCH_S390X, SCMP_ARCH_PPC64LE};
  const scmp_compare ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ,
                              SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  Profile p;
  p.default_action = actions[in.ConsumeIntegralInRange<size_t>(0, 6)];  // no default NOTIFY/TRACE: libseccomp refuses
  p.optimize = in.ConsumeIntegralInRange(0, 2);
  p.arches.clear();
  const unsigned arch_mask = in.ConsumeIntegral<uint8_t>();
  for (size_t i = 0; i < std::size(arches); ++i)
    if (arch_mask & (1u << i)) p.arches.push_back(arches[i]);
  if (p.arches.empty()) p.arches.push_back(SCMP_ARCH_X86_64);
  // Runs of numbers with one action, as real profiles are, some with
  // argument compares; a few numbers anywhere (negative: pseudo-syscalls).
  const int runs = in.ConsumeIntegralInRange(0, 12);
  for (int i = 0; i < runs && in.remaining_bytes() > 0; ++i) {
    int nr = in.ConsumeBool() ? in.ConsumeIntegralInRange(0, 460) : in.ConsumeIntegral<int32_t>();
    const int len = in.ConsumeIntegralInRange(1, 40);
    const uint32_t action = actions[in.ConsumeIntegralInRange<size_t>(0, std::size(actions) - 1)];
    std::vector<scmp_arg_cmp> args;
    for (int a = in.ConsumeIntegralInRange(0, 3); a > 0; --a) {
      scmp_arg_cmp c{};
      c.arg = in.ConsumeIntegralInRange(0u, 5u);
      c.op = ops[in.ConsumeIntegralInRange<size_t>(0, std::size(ops) - 1)];
      c.datum_a = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 64) : in.ConsumeIntegral<uint64_t>();
      c.datum_b = in.ConsumeIntegral<uint64_t>();
      args.push_back(c);
    }
    for (int k = 0; k < len && nr < INT32_MAX; ++k) p.rules.push_back({action, nr++, args});
  }
  const Program lib = libseccomp_program(p);
  if (lib.empty()) return 0;
  if (auto tree = relayout_seccomp_filter(lib)) require_same(lib, *tree, p, "libseccomp's program");
  // With runc's -ENOSYS stub in front, as minirun loads it.
  std::vector<ArchLimit> limits;
  for (uint32_t a : p.arches) limits.push_back({a, in.ConsumeIntegralInRange<uint32_t>(0, 1000)});
  const Program stubbed = prepend_enosys_stub(lib, limits);
  if (auto tree = relayout_seccomp_filter(stubbed)) require_same(stubbed, *tree, p, "with the ENOSYS stub");
  return 0;
}
