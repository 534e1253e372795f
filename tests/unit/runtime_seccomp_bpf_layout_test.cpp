// runtime/bpf_layout: libseccomp's filters rebuilt as range trees must decide
// every syscall exactly as libseccomp's own program does.  The oracle is
// libseccomp's output, run by the interpreter in seccomp_oracle.h.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include "runtime/seccomp/bpf_layout.h"
#include "seccomp_oracle.h"

namespace minirun::runtime {
namespace {

// Every syscall the native arch knows in [0, 450), in runs of `run`
// numbers: allowed, denied with EPERM, or left to the default, in turn.  A
// real allow-list has longer runs; short ones are harder for the tree.
std::vector<Rule> runs_of(int run, const std::set<int>& except = {}) {
  std::vector<Rule> rules;
  for (int nr = 0; nr < 450; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) continue;
    std::free(name);
    if (except.count(nr)) continue;
    int kind = (nr / run) % 3;
    if (kind == 0) rules.push_back({SCMP_ACT_ALLOW, nr, {}});
    if (kind == 1) rules.push_back({SCMP_ACT_ERRNO(EPERM), nr, {}});
  }
  return rules;
}

Profile podman_shaped() {
  Profile p;
  p.default_action = SCMP_ACT_ERRNO(ENOSYS);
  p.arches = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
  p.rules = runs_of(5, {SCMP_SYS(personality), SCMP_SYS(socket)});
  for (uint64_t persona : {0ULL, 8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL})
    p.rules.push_back({SCMP_ACT_ALLOW, SCMP_SYS(personality), {SCMP_A0(SCMP_CMP_EQ, persona)}});
  p.rules.push_back({SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_EQ, 16), SCMP_A2(SCMP_CMP_EQ, 9)}});
  p.rules.push_back({SCMP_ACT_ALLOW, SCMP_SYS(socket), {SCMP_A2(SCMP_CMP_NE, 9)}});
  p.rules.push_back({SCMP_ACT_ALLOW, SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_NE, 16)}});
  return p;
}

TEST(BpfLayout, PodmanShapedProfileDecidesTheSameInFarFewerInstructions) {
  Profile p = podman_shaped();
  Program lib = libseccomp_program(p);
  auto tree = relayout_seccomp_filter(lib);
  ASSERT_TRUE(tree.has_value());
  EXPECT_LT(tree->size() * 10, lib.size() * 5) << lib.size() << " -> " << tree->size();
  bool far = false;
  for (const auto& in : *tree) far |= in.code == (BPF_JMP | BPF_JA);
  EXPECT_TRUE(far) << "the last arch's section is more than 255 instructions from the arch compares";
  EXPECT_EQ(first_difference(lib, *tree, p.arches), "");
}

TEST(BpfLayout, EveryOperatorActionAndOptimizeLevel) {
  const uint64_t big = 0x100000002ULL;  // the high word matters
  Profile p;
  p.default_action = SCMP_ACT_ALLOW;
  p.arches = {SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64};
  p.rules = {
      {SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), {}},
      {SCMP_ACT_KILL_THREAD, SCMP_SYS(reboot), {}},
      {SCMP_ACT_TRAP, SCMP_SYS(kexec_load), {}},
      {SCMP_ACT_LOG, SCMP_SYS(getcwd), {}},
      {SCMP_ACT_TRACE(3), SCMP_SYS(mount), {}},
      {SCMP_ACT_NOTIFY, SCMP_SYS(umount2), {}},
      {SCMP_ACT_ERRNO(EPERM), SCMP_SYS(read), {SCMP_A0(SCMP_CMP_EQ, big)}},
      {SCMP_ACT_ERRNO(EPERM), SCMP_SYS(write), {SCMP_A1(SCMP_CMP_NE, big)}},
      {SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), {SCMP_A2(SCMP_CMP_LT, big)}},
      {SCMP_ACT_ERRNO(EACCES), SCMP_SYS(close), {SCMP_A0(SCMP_CMP_LE, big)}},
      {SCMP_ACT_ERRNO(EBUSY), SCMP_SYS(lseek), {SCMP_A2(SCMP_CMP_GT, big)}},
      {SCMP_ACT_ERRNO(EBUSY), SCMP_SYS(mmap), {SCMP_A3(SCMP_CMP_GE, big)}},
      {SCMP_ACT_ERRNO(EIO), SCMP_SYS(clone), {SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7E020000ULL, 0)}},
      {SCMP_ACT_ERRNO(EIO), SCMP_SYS(ioctl), {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffff0000ffffULL, 0x5400)}},
      {SCMP_ACT_ERRNO(EIO), SCMP_SYS(fcntl), {SCMP_A1(SCMP_CMP_EQ, 4), SCMP_A2(SCMP_CMP_GT, 7)}},
  };
  std::set<int> used;
  for (const Rule& r : p.rules) used.insert(r.nr);
  for (const Rule& r : runs_of(6, used)) p.rules.push_back(r);
  for (int optimize : {0, 1, 2}) {
    p.optimize = optimize;
    Program lib = libseccomp_program(p);
    auto tree = relayout_seccomp_filter(lib);
    ASSERT_TRUE(tree.has_value()) << "optimize " << optimize;
    EXPECT_EQ(first_difference(lib, *tree, p.arches), "") << "optimize " << optimize;
  }
}

TEST(BpfLayout, ProfilesFromASeededGenerator) {
  const int ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  const uint32_t actions[] = {SCMP_ACT_ALLOW,        SCMP_ACT_ERRNO(EPERM), SCMP_ACT_ERRNO(ENOSYS),
                              SCMP_ACT_KILL_PROCESS, SCMP_ACT_LOG,          SCMP_ACT_TRAP};
  const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM};
  std::mt19937 rng(2026);
  int rewritten = 0;
  for (int round = 0; round < 25; ++round) {
    Profile p;
    p.default_action = actions[rng() % 3];
    p.optimize = static_cast<int>(rng() % 3);
    p.arches.clear();
    for (uint32_t a : arches)
      if (rng() % 2 || a == SCMP_ARCH_X86_64) p.arches.push_back(a);
    // Runs of numbers with one action, as in real profiles, and now and
    // then a rule on arguments.
    for (int nr = 0; nr < 330;) {
      int len = 1 + static_cast<int>(rng() % 24);
      uint32_t action = actions[rng() % 6];
      for (int end = std::min(330, nr + len); nr < end; ++nr) {
        Rule r{action, nr, {}};
        if (rng() % 12 == 0) {
          int nargs = 1 + static_cast<int>(rng() % 2);
          for (int a = 0; a < nargs; ++a) {
            uint64_t v = rng() % 2 ? rng() % 64 : (uint64_t{rng()} << 32) | rng();
            r.args.push_back({static_cast<unsigned>(a * 2), static_cast<scmp_compare>(ops[rng() % 7]), v, rng() % 64});
          }
          r.action = actions[rng() % 6];
        }
        p.rules.push_back(r);
      }
    }
    Program lib = libseccomp_program(p);
    auto tree = relayout_seccomp_filter(lib);
    if (!tree) continue;  // allowed: the input stays as it is
    ++rewritten;
    EXPECT_EQ(first_difference(lib, *tree, p.arches), "") << "round " << round;
  }
  EXPECT_GE(rewritten, 20) << "the rewrite should apply to profiles made of runs";
}

TEST(BpfLayout, ShortRunsAndAnOutcomeAtEveryNumber) {
  Profile p;
  p.default_action = SCMP_ACT_ERRNO(ENOSYS);
  p.arches = {SCMP_ARCH_X86_64, SCMP_ARCH_X32};
  p.rules = runs_of(2);
  Program lib = libseccomp_program(p);
  auto tree = relayout_seccomp_filter(lib);
  ASSERT_TRUE(tree.has_value());
  EXPECT_LT(tree->size(), lib.size());
  EXPECT_EQ(first_difference(lib, *tree, p.arches), "");
  // Every other number allowed: a range tree is no shorter than one compare
  // per syscall, so libseccomp's program stays.
  p.rules.clear();
  for (int nr = 0; nr < 440; nr += 2) p.rules.push_back({SCMP_ACT_ALLOW, nr, {}});
  EXPECT_FALSE(relayout_seccomp_filter(libseccomp_program(p)).has_value());
}

// The kernel accepts the tree and it decides as configured.
TEST(BpfLayout, TheKernelLoadsTheTreeAndEnforcesIt) {
  Profile p;
  p.default_action = SCMP_ACT_ERRNO(ENOSYS);
  p.arches = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
  p.rules = runs_of(4, {SCMP_SYS(exit_group), SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(getuid), SCMP_SYS(dup)});
  p.rules.push_back({SCMP_ACT_ALLOW, SCMP_SYS(exit_group), {}});
  p.rules.push_back({SCMP_ACT_ALLOW, SCMP_SYS(getpid), {}});
  p.rules.push_back({SCMP_ACT_ERRNO(EPERM), SCMP_SYS(getppid), {}});
  p.rules.push_back({SCMP_ACT_ERRNO(EXDEV), SCMP_SYS(dup), {SCMP_A0(SCMP_CMP_EQ, 1000)}});
  Program lib = libseccomp_program(p);
  auto tree = relayout_seccomp_filter(lib);
  ASSERT_TRUE(tree.has_value());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Raw syscalls only: the filter may refuse what libc would use.
    struct sock_fprog prog = {static_cast<unsigned short>(tree->size()), tree->data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(10);
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) ::_exit(11);
    if (::syscall(SYS_getpid) <= 0) ::_exit(12);
    if (::syscall(SYS_getppid) != -1 || errno != EPERM) ::_exit(13);
    if (::syscall(SYS_getuid) != -1 || errno != ENOSYS) ::_exit(14);
    if (::syscall(SYS_dup, 1000) != -1 || errno != EXDEV) ::_exit(15);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 prctl, 11 load, 12 getpid, 13 getppid, 14 getuid, 15 dup";
}

// runc's -ENOSYS stub: numbers above the highest the profile names, per
// arch, return ENOSYS; the rest decide as libseccomp's program does.
constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kX32Bit = 0x40000000;

// The highest number of the profile's rules on arch (rules name native numbers).
uint32_t last_named(const Profile& p, uint32_t arch) {
  uint32_t last = 0;
  for (const Rule& r : p.rules) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r.nr);
    if (!name) continue;
    int nr = seccomp_syscall_resolve_name_arch(arch, name);
    std::free(name);
    if (nr >= 0) last = std::max(last, static_cast<uint32_t>(nr));
  }
  return last;
}

std::vector<ArchLimit> limits_of(const Profile& p) {
  std::vector<ArchLimit> out;
  for (uint32_t a : p.arches) out.push_back({a, last_named(p, a)});
  return out;
}

// What runc's stub decides: its jset on the x32 bit, written out.
std::optional<uint32_t> runc_stub(const std::vector<ArchLimit>& limits, uint32_t arch, uint32_t nr) {
  for (const ArchLimit& l : limits) {
    if (l.last_nr == 0) continue;
    if (arch == AUDIT_ARCH_X86_64 && (l.arch == SCMP_ARCH_X86_64 || l.arch == SCMP_ARCH_X32)) {
      if (((nr & kX32Bit) != 0) == (l.arch == SCMP_ARCH_X32) && nr > l.last_nr) return kEnosys;
    } else if (arch == l.arch) {
      if (nr > l.last_nr) return kEnosys;
      if ((arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390) && nr == 0) return kEnosys;
    }
  }
  return std::nullopt;
}

// Every arch given (and ones the filter does not name) at the numbers
// where the stub or the filter changes, and around the x32 bit.
std::string stub_difference(const Program& lib, const Program& got, const std::vector<ArchLimit>& limits,
                            std::vector<uint32_t> arches) {
  std::set<uint32_t> nrs{0, 1, 1000, kX32Bit - 1, kX32Bit, kX32Bit + 1000, 2 * kX32Bit - 1, 2 * kX32Bit,
                         3 * kX32Bit - 1, 3 * kX32Bit, 3 * kX32Bit + 1000, UINT32_MAX};
  for (const ArchLimit& l : limits)
    for (uint32_t d : {0U, 1U, 2U}) nrs.insert({l.last_nr - d, l.last_nr + d});
  for (uint32_t extra : {AUDIT_ARCH_AARCH64, 0U}) arches.push_back(extra);
  for (uint32_t arch : arches)
    for (uint32_t nr : nrs) {
      struct seccomp_data d = {};
      d.nr = static_cast<int>(nr);
      d.arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
      uint32_t want = runc_stub(limits, d.arch, nr).value_or(run(lib, d)), have = run(got, d);
      if (want != have) {
        std::ostringstream out;
        out << std::hex << "arch 0x" << d.arch << " nr 0x" << nr << ": want 0x" << want << ", got 0x" << have;
        return out.str();
      }
    }
  return "";
}

TEST(EnosysStub, AboveTheLastNamedSyscallPerArchInBothLayouts) {
  Profile p = podman_shaped();
  p.default_action = SCMP_ACT_ERRNO(EPERM);
  Program lib = libseccomp_program(p);
  std::vector<ArchLimit> limits = limits_of(p);
  for (const ArchLimit& l : limits) ASSERT_GT(l.last_nr, 400U) << "arch " << l.arch;
  Program stubbed = prepend_enosys_stub(lib, limits);
  EXPECT_EQ(stub_difference(lib, stubbed, limits, p.arches), "") << "libseccomp's program with the stub";
  auto tree = relayout_seccomp_filter(stubbed);
  ASSERT_TRUE(tree.has_value()) << "the stub stays inside what the rewrite knows";
  EXPECT_LT(tree->size(), lib.size()) << "folded into the tree, the stub costs nothing";
  EXPECT_EQ(stub_difference(lib, *tree, limits, p.arches), "") << "the range tree";
  EXPECT_EQ(first_difference(stubbed, *tree, p.arches), "");
}

TEST(EnosysStub, X86_64WithoutX32AndX32Alone) {
  for (auto arches : {std::vector<uint32_t>{SCMP_ARCH_X86_64}, std::vector<uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X32},
                      std::vector<uint32_t>{SCMP_ARCH_X86_64, SCMP_ARCH_X86}}) {
    Profile p;
    p.default_action = SCMP_ACT_KILL_PROCESS;
    p.arches = arches;
    p.rules = runs_of(7);
    Program lib = libseccomp_program(p);
    std::vector<ArchLimit> limits = limits_of(p);
    Program stubbed = prepend_enosys_stub(lib, limits);
    EXPECT_EQ(stub_difference(lib, stubbed, limits, arches), "") << arches.size();
    if (auto tree = relayout_seccomp_filter(stubbed)) {
      EXPECT_EQ(stub_difference(lib, *tree, limits, arches), "");
    }
    // x32 alone (the native arch in the filter, its numbers not named).
    std::vector<ArchLimit> x32_only = {{SCMP_ARCH_X32, kX32Bit + 500}};
    EXPECT_EQ(stub_difference(lib, prepend_enosys_stub(lib, x32_only), x32_only, arches), "");
  }
}

TEST(EnosysStub, S390MultiplexerAndArchesWithNothingNamed) {
  const Program prog = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)};
  std::vector<ArchLimit> s390 = {{SCMP_ARCH_S390X, 460}};
  EXPECT_EQ(stub_difference(prog, prepend_enosys_stub(prog, s390), s390, {SCMP_ARCH_S390X}), "");
  // runc leaves an arch whose names all are unknown alone.
  EXPECT_EQ(prepend_enosys_stub(prog, {{SCMP_ARCH_AARCH64, 0}}).size(), prog.size());
  EXPECT_EQ(prepend_enosys_stub(prog, {}).size(), prog.size());
}

// The kernel accepts the stubbed tree: syscall 1000 fails ENOSYS, a known
// but unlisted syscall the default errno, an allowed one works.
TEST(EnosysStub, TheKernelLoadsItAndUnknownSyscallsFailEnosys) {
  Profile p;
  p.default_action = SCMP_ACT_ERRNO(EPERM);
  p.arches = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
  for (int nr = 0; nr < 450; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) continue;
    std::free(name);
    if (nr != SYS_getppid) p.rules.push_back({SCMP_ACT_ALLOW, nr, {}});
  }
  Program stubbed = prepend_enosys_stub(libseccomp_program(p), limits_of(p));
  for (bool tree : {false, true}) {
    Program prog = stubbed;
    if (tree) {
      auto t = relayout_seccomp_filter(stubbed);
      if (!t) continue;  // one run of allowed numbers: nothing to shorten
      prog = *t;
    }
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      struct sock_fprog fprog = {static_cast<unsigned short>(prog.size()), prog.data()};
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(10);
      if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) ::_exit(11);
      if (::syscall(SYS_getpid) <= 0) ::_exit(12);
      if (::syscall(SYS_getppid) != -1 || errno != EPERM) ::_exit(13);
      if (::syscall(1000) != -1 || errno != ENOSYS) ::_exit(14);
      ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << (tree ? "tree" : "plain") << ": 10 prctl, 11 load, 12 getpid, 13 getppid, 14 syscall 1000";
  }
}

TEST(BpfLayout, ProgramsOutsideTheProvenSubsetAreLeftAlone) {
  const uint32_t allow = SECCOMP_RET_ALLOW, deny = SECCOMP_RET_ERRNO | EPERM;
  auto ld = [](uint32_t off) { return sock_filter BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off); };
  auto ret = [](uint32_t v) { return sock_filter BPF_STMT(BPF_RET | BPF_K, v); };
  const sock_filter arch_check = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  // A bit test on the syscall number.
  EXPECT_FALSE(relayout_seccomp_filter(
      {ld(4), arch_check, ret(0), ld(0), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), ret(deny), ret(allow)}));
  // The X register.
  EXPECT_FALSE(relayout_seccomp_filter({ld(4), arch_check, ret(0), BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 3),
                                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), ret(deny), ret(allow)}));
  // A jump out of the program, and a load past seccomp_data.
  EXPECT_FALSE(relayout_seccomp_filter({ld(4), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 9, 0), ret(0)}));
  EXPECT_FALSE(relayout_seccomp_filter({ld(64), ret(allow)}));
  // Arithmetic on the number.
  EXPECT_FALSE(relayout_seccomp_filter({ld(4), arch_check, ret(0), ld(0), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
                                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), ret(deny), ret(allow)}));
  // No arch compared: nothing to gain.
  EXPECT_FALSE(relayout_seccomp_filter({ld(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), ret(deny), ret(allow)}));
  EXPECT_FALSE(relayout_seccomp_filter({}));
}

}  // namespace
}  // namespace minirun::runtime
