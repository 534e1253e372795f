// The oracle for runtime/bpf_layout: libseccomp's own program for a profile,
// and a classic-BPF interpreter that runs it as the kernel would, so a
// rewritten program can be compared decision by decision.  Shared by the
// unit test and the fuzz target (tests/fuzz/seccomp_layout_fuzz.cpp); no
// gtest in here.
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace minirun::runtime {

using Program = std::vector<struct sock_filter>;

struct Rule {
  uint32_t action;
  int nr;  // on the native arch; libseccomp maps it to the others
  std::vector<scmp_arg_cmp> args;
};

struct Profile {
  uint32_t default_action = SCMP_ACT_ALLOW;
  std::vector<uint32_t> arches{SCMP_ARCH_X86_64};
  std::vector<Rule> rules;
  int optimize = 2;  // SCMP_FLTATR_CTL_OPTIMIZE; 0 leaves libseccomp's default
};

// libseccomp's program for p; empty if libseccomp refused the profile as a
// whole.  Rules libseccomp refuses (the same action as the default, say) are
// skipped, as a profile loader would report them.
inline Program libseccomp_program(const Profile& p) {
  scmp_filter_ctx ctx = seccomp_init(p.default_action);
  if (!ctx) return {};
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  bool ok = !p.optimize || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, p.optimize) == 0;
  bool native = false;
  for (uint32_t a : p.arches) {
    if (a == seccomp_arch_native()) {
      native = true;
      continue;
    }
    int rc = seccomp_arch_add(ctx, a);
    ok = ok && (rc == 0 || rc == -EEXIST);
  }
  if (!native) seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
  for (const Rule& r : p.rules)
    seccomp_rule_add_array(ctx, r.action, r.nr, static_cast<unsigned>(r.args.size()), r.args.data());
  Program out;
  int mem = static_cast<int>(::syscall(SYS_memfd_create, "bpf", MFD_CLOEXEC));
  struct stat st {};
  if (ok && mem >= 0 && seccomp_export_bpf(ctx, mem) == 0 && ::fstat(mem, &st) == 0) {
    out.resize(static_cast<size_t>(st.st_size) / sizeof(struct sock_filter));
    if (::pread(mem, out.data(), static_cast<size_t>(st.st_size), 0) != st.st_size) out.clear();
  }
  if (mem >= 0) ::close(mem);
  seccomp_release(ctx);
  return out;
}

// What run() returns for an instruction it does not know or a program that
// ends without a return: never an action either side may legitimately give.
inline constexpr uint32_t kBadProgram = 0xffffdead;

// Classic BPF as the kernel runs a seccomp filter (the subset libseccomp emits).
inline uint32_t run(const Program& p, const struct seccomp_data& d) {
  uint32_t a = 0;
  size_t pc = 0;
  auto word = [&](uint32_t off) {
    uint32_t w = 0;
    if (off <= sizeof d - 4) std::memcpy(&w, reinterpret_cast<const char*>(&d) + off, 4);
    return w;
  };
  for (size_t steps = 0; steps <= p.size(); ++steps) {
    if (pc >= p.size()) break;
    const struct sock_filter& in = p[pc];
    bool taken;
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k > sizeof d - 4 || in.k % 4) return kBadProgram;
        a = word(in.k);
        ++pc;
        continue;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= in.k;
        ++pc;
        continue;
      case BPF_RET | BPF_K:
        return in.k;
      case BPF_JMP | BPF_JA:
        pc += 1 + static_cast<size_t>(in.k);
        continue;
      case BPF_JMP | BPF_JEQ | BPF_K:
        taken = a == in.k;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        taken = a > in.k;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        taken = a >= in.k;
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        taken = (a & in.k) != 0;
        break;
      default:
        return kBadProgram;
    }
    pc += 1 + (taken ? in.jt : in.jf);
  }
  return kBadProgram;
}

// Runs both programs on every arch given (and some no filter names), every
// nr either compares with (and its neighbours), and argument words built
// from the constants; returns the first difference, or "".
// max_numbers: try at most this many of the syscall numbers (a sample
// picked by the programs' own sizes, so the same programs always try the
// same ones): the fuzzer's many programs cover the rest between them.
inline std::string first_difference(const Program& want, const Program& got, std::vector<uint32_t> arches,
                                    size_t max_numbers = SIZE_MAX) {
  std::set<uint32_t> consts{0, 1, UINT32_MAX};
  for (const Program* p : {&want, &got})
    for (const auto& in : *p)
      if (BPF_CLASS(in.code) == BPF_JMP && in.code != (BPF_JMP | BPF_JA)) {
        consts.insert(in.k);
        consts.insert(in.k + 1);
        consts.insert(in.k - 1);
      }
  for (uint32_t extra : {0U, 1U, UINT32_MAX, AUDIT_ARCH_X86_64 ^ 1, AUDIT_ARCH_AARCH64, AUDIT_ARCH_PPC64LE})
    arches.push_back(extra);
  std::vector<uint32_t> pool(consts.begin(), consts.end());
  std::mt19937 rng(7);
  auto pick = [&] { return rng() % 4 == 0 ? static_cast<uint32_t>(rng()) : pool[rng() % pool.size()]; };
  std::vector<uint32_t> numbers = pool;
  if (numbers.size() > max_numbers) {
    std::mt19937 sample(static_cast<uint32_t>(want.size() * 7919 + got.size()));
    std::shuffle(numbers.begin(), numbers.end(), sample);
    numbers.resize(max_numbers);
  }
  for (uint32_t arch : arches)
    for (uint32_t nr : numbers)
      for (int variant = 0; variant < 4; ++variant) {
        struct seccomp_data d = {};
        d.nr = static_cast<int>(nr);
        d.arch = arch;
        uint32_t* words = reinterpret_cast<uint32_t*>(&d.instruction_pointer);
        for (int w = 0; w < 14; ++w) words[w] = variant == 0 ? 0 : variant == 1 ? UINT32_MAX : pick();
        uint32_t a = run(want, d), b = run(got, d);
        if (a != b || a == kBadProgram) {
          std::ostringstream out;
          out << std::hex << "arch 0x" << arch << " nr 0x" << nr << " variant " << variant << ": libseccomp 0x" << a
              << ", tree 0x" << b << (a == kBadProgram ? " (the interpreter cannot run libseccomp's program)" : "");
          return out.str();
        }
      }
  return "";
}

}  // namespace minirun::runtime
