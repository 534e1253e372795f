// The cgroup v2 device program: instruction layout, semantics (run through a
// tiny interpreter of the instructions it uses) and, as root, the kernel
// verifier's verdict.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cgroup/device_filter.h"

namespace minirun::cgroup {
namespace {

spec::DeviceRule rule(bool allow, const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                      const char* access = "rwm") {
  return spec::DeviceRule{allow, type, major, minor, access};
}

// Runs the subset of eBPF the builder emits against one request.
int run(const std::vector<bpf_insn>& prog, int type, int access, uint32_t major, uint32_t minor) {
  uint32_t ctx[3] = {static_cast<uint32_t>(access << 16 | type), major, minor};
  uint64_t reg[11] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const bpf_insn& i = prog[pc];
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: reg[i.dst_reg] = ctx[i.off / 4]; break;
      case BPF_ALU | BPF_AND | BPF_K: reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg] & static_cast<uint32_t>(i.imm)); break;
      case BPF_ALU | BPF_RSH | BPF_K: reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) >> i.imm; break;
      case BPF_ALU | BPF_MOV | BPF_X: reg[i.dst_reg] = static_cast<uint32_t>(reg[i.src_reg]); break;
      case BPF_ALU64 | BPF_MOV | BPF_K: reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm)); break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (reg[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case BPF_JMP | BPF_JNE | BPF_X:
        if (reg[i.dst_reg] != reg[i.src_reg]) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT: return static_cast<int>(reg[0]);
      default: ADD_FAILURE() << "unexpected opcode " << int(i.code); return -1;
    }
  }
  ADD_FAILURE() << "fell off the end";
  return -1;
}

constexpr int C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
constexpr int R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;

TEST(CgroupDeviceFilter, EmptyRulesDenyEverything) {
  auto p = build_device_program({});
  ASSERT_EQ(p.size(), 8u);  // prologue + r0 = 0 + exit
  EXPECT_EQ(p[6].code, BPF_ALU64 | BPF_MOV | BPF_K);
  EXPECT_EQ(p[6].imm, 0);
  EXPECT_EQ(p[7].code, BPF_JMP | BPF_EXIT);
  EXPECT_EQ(run(p, C, R, 1, 3), 0);
}

TEST(CgroupDeviceFilter, PrologueLoadsTypeAccessMajorMinor) {
  auto p = build_device_program({});
  EXPECT_EQ(p[0].code, BPF_LDX | BPF_MEM | BPF_W);
  EXPECT_EQ(p[0].dst_reg, BPF_REG_2);
  EXPECT_EQ(p[0].src_reg, BPF_REG_1);
  EXPECT_EQ(p[0].off, 0);
  EXPECT_EQ(p[1].code, BPF_ALU | BPF_AND | BPF_K);
  EXPECT_EQ(p[1].imm, 0xFFFF);
  EXPECT_EQ(p[3].code, BPF_ALU | BPF_RSH | BPF_K);
  EXPECT_EQ(p[3].imm, 16);
  EXPECT_EQ(p[4].off, 4);
  EXPECT_EQ(p[4].dst_reg, BPF_REG_4);
  EXPECT_EQ(p[5].off, 8);
  EXPECT_EQ(p[5].dst_reg, BPF_REG_5);
}

TEST(CgroupDeviceFilter, OneRuleBlockLayout) {
  // c 1:3 rw: type, access (3 insns), major, minor, verdict, exit.
  auto p = build_device_program({rule(true, "c", 1, 3, "rw")});
  ASSERT_EQ(p.size(), 6u + 8u + 2u);
  EXPECT_EQ(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
  EXPECT_EQ(p[6].dst_reg, BPF_REG_2);
  EXPECT_EQ(p[6].imm, C);
  EXPECT_EQ(p[6].off, 7);  // to the insn after this block's exit
  EXPECT_EQ(p[7].code, BPF_ALU | BPF_MOV | BPF_X);
  EXPECT_EQ(p[8].code, BPF_ALU | BPF_AND | BPF_K);
  EXPECT_EQ(p[8].imm, R | W);
  EXPECT_EQ(p[9].code, BPF_JMP | BPF_JNE | BPF_X);
  EXPECT_EQ(p[9].off, 4);
  EXPECT_EQ(p[10].imm, 1);
  EXPECT_EQ(p[10].off, 3);
  EXPECT_EQ(p[11].dst_reg, BPF_REG_5);
  EXPECT_EQ(p[11].imm, 3);
  EXPECT_EQ(p[11].off, 2);
  EXPECT_EQ(p[12].imm, 1);  // allow
  EXPECT_EQ(p[13].code, BPF_JMP | BPF_EXIT);
}

TEST(CgroupDeviceFilter, OnlyJumpsCarryOffsets) {
  // The kernel refuses ALU instructions with a non-zero offset or src_reg.
  auto p = build_device_program({rule(true, "c", 1, 3, "r"), rule(false, "b", 8, std::nullopt, "w")});
  for (const auto& i : p) {
    if (BPF_CLASS(i.code) == BPF_ALU || BPF_CLASS(i.code) == BPF_ALU64) {
      EXPECT_EQ(i.off, 0) << "code " << int(i.code);
      if (BPF_SRC(i.code) == BPF_K) {
        EXPECT_EQ(i.src_reg, 0);
      }
    }
  }
}

TEST(CgroupDeviceFilter, AccessMustBeSubsetOfRule) {
  auto p = build_device_program({rule(true, "c", 1, 3, "rw")});
  EXPECT_EQ(run(p, C, R, 1, 3), 1);
  EXPECT_EQ(run(p, C, R | W, 1, 3), 1);
  EXPECT_EQ(run(p, C, M, 1, 3), 0);
  EXPECT_EQ(run(p, C, R | M, 1, 3), 0);
  EXPECT_EQ(run(p, B, R, 1, 3), 0);
  EXPECT_EQ(run(p, C, R, 1, 5), 0);
}

TEST(CgroupDeviceFilter, LastMatchingRuleWins) {
  std::vector<spec::DeviceRule> rules = {
      rule(false, "a", std::nullopt, std::nullopt),  // deny all
      rule(true, "c", 1, 3),                         // allow /dev/null
      rule(true, "c", 1, 5),                         // allow /dev/zero
      rule(false, "c", 1, 3),                        // deny /dev/null again
      rule(true, "c", 136, std::nullopt),            // any pts
  };
  auto p = build_device_program(rules);
  EXPECT_EQ(run(p, C, R | W, 1, 3), 0);
  EXPECT_EQ(run(p, C, R | W, 1, 5), 1);
  EXPECT_EQ(run(p, C, R, 136, 7), 1);
  EXPECT_EQ(run(p, B, R, 8, 0), 0);
}

TEST(CgroupDeviceFilter, AllowAllMakesEarlierRulesUnreachable) {
  auto p = build_device_program({rule(false, "c", 1, 3), rule(true, "a", std::nullopt, std::nullopt)});
  ASSERT_EQ(p.size(), 8u);  // prologue, r0 = 1, exit
  EXPECT_EQ(p[6].imm, 1);
  EXPECT_EQ(run(p, C, R, 1, 3), 1);
  // Allow all, then deny one: the deny comes first in the program.
  auto q = build_device_program({rule(true, "a", std::nullopt, std::nullopt), rule(false, "c", 1, 3)});
  EXPECT_EQ(run(q, C, R, 1, 3), 0);
  EXPECT_EQ(run(q, C, R, 1, 5), 1);
  EXPECT_EQ(run(q, B, M, 8, 1), 1);
}

TEST(CgroupDeviceFilter, WildcardMajorOrMinor) {
  auto p = build_device_program({rule(true, "b", std::nullopt, 0, "r"), rule(true, "c", -1, -1, "m")});
  EXPECT_EQ(run(p, B, R, 8, 0), 1);
  EXPECT_EQ(run(p, B, R, 8, 1), 0);
  EXPECT_EQ(run(p, C, M, 4, 4), 1);
  EXPECT_EQ(run(p, C, R, 4, 4), 0);
}

TEST(CgroupDeviceFilter, BadRulesAreErrors) {
  EXPECT_THROW(build_device_program({rule(true, "x", 1, 3)}), Error);
  EXPECT_THROW(build_device_program({rule(true, "c", 1, 3, "rwx")}), Error);
}

TEST(CgroupDeviceFilter, KernelVerifierAcceptsProgram) {
  if (geteuid() != 0) GTEST_SKIP() << "BPF_PROG_LOAD needs root";
  std::vector<spec::DeviceRule> rules = {
      rule(false, "a", std::nullopt, std::nullopt), rule(true, "c", 1, 3), rule(true, "c", 1, 5, "rw"),
      rule(true, "c", 136, std::nullopt, "rwm"),     rule(true, "b", std::nullopt, 0, "r"),
      rule(false, "c", 5, 1),
  };
  UniqueFd fd = load_device_program(build_device_program(rules));
  EXPECT_TRUE(fd);
  EXPECT_TRUE(load_device_program(build_device_program({})));
  EXPECT_TRUE(load_device_program(build_device_program({rule(true, "a", std::nullopt, std::nullopt)})));
}

}  // namespace
}  // namespace minirun::cgroup
