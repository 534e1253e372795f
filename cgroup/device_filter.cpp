#include "cgroup/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cgroup/manager_util.h"
#include "spec/error.h"

namespace minirun::cgroup {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

bpf_insn load_u32(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, off, 0); }
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn mov32_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn jne_imm(uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm); }
bpf_insn jne_reg(uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0); }
bpf_insn mov64_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

constexpr int32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

int32_t access_bits(const std::string& access) {
  return static_cast<int32_t>(device_access_bits(access, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE,
                                                 BPF_DEVCG_ACC_MKNOD, "linux.resources.devices"));
}

long bpf(int cmd, bpf_attr& attr) { return ::syscall(__NR_bpf, cmd, &attr, sizeof attr); }

}  // namespace

std::vector<bpf_insn> build_device_program(const std::vector<spec::DeviceRule>& rules) {
  std::vector<bpf_insn> prog = {
      load_u32(BPF_REG_2, 0),                      // access_type
      alu32_imm(BPF_AND, BPF_REG_2, 0xFFFF),       // low half: device type
      load_u32(BPF_REG_3, 0),                      // access_type
      alu32_imm(BPF_RSH, BPF_REG_3, 16),           // high half: access
      load_u32(BPF_REG_4, 4),                      // major
      load_u32(BPF_REG_5, 8),                      // minor
  };
  // Walk backwards: the first block that matches returns, so the last rule
  // of the list that matches decides.
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    const spec::DeviceRule& r = *it;
    int32_t type = 0;
    if (r.type == "c") {
      type = BPF_DEVCG_DEV_CHAR;
    } else if (r.type == "b") {
      type = BPF_DEVCG_DEV_BLOCK;
    } else if (r.type != "a") {
      throw Error("linux.resources.devices: invalid type \"" + r.type + "\"", EINVAL);
    }
    int32_t access = access_bits(r.access);
    if (access == 0) continue;  // matches no request
    bool any_major = !r.major || *r.major < 0;
    bool any_minor = !r.minor || *r.minor < 0;

    // Conditions, each a jump to the next block when it does not hold.
    std::vector<bpf_insn> checks;
    if (type != 0) checks.push_back(jne_imm(BPF_REG_2, type, 0));
    if (access != kAllAccess) {
      checks.push_back(mov32_reg(BPF_REG_1, BPF_REG_3));
      checks.push_back(alu32_imm(BPF_AND, BPF_REG_1, access));
      checks.push_back(jne_reg(BPF_REG_1, BPF_REG_3, 0));
    }
    if (!any_major) checks.push_back(jne_imm(BPF_REG_4, static_cast<int32_t>(*r.major), 0));
    if (!any_minor) checks.push_back(jne_imm(BPF_REG_5, static_cast<int32_t>(*r.minor), 0));

    const size_t block = checks.size() + 2;  // + "r0 = verdict; exit"
    for (size_t i = 0; i < checks.size(); ++i) {
      if (BPF_CLASS(checks[i].code) == BPF_JMP) checks[i].off = static_cast<int16_t>(block - i - 1);
      prog.push_back(checks[i]);
    }
    prog.push_back(mov64_imm(BPF_REG_0, r.allow ? 1 : 0));
    prog.push_back(exit_insn());
    if (checks.empty()) return prog;  // matches everything: earlier rules are unreachable
  }
  prog.push_back(mov64_imm(BPF_REG_0, 0));
  prog.push_back(exit_insn());
  return prog;
}

UniqueFd load_device_program(const std::vector<bpf_insn>& insns) {
  static const char license[] = "Apache";
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uintptr_t>(insns.data());
    attr.insn_cnt = static_cast<uint32_t>(insns.size());
    attr.license = reinterpret_cast<uintptr_t>(license);
    attr.log_buf = reinterpret_cast<uintptr_t>(log);
    attr.log_size = log_size;
    attr.log_level = log ? 1 : 0;
    return static_cast<int>(bpf(BPF_PROG_LOAD, attr));
  };
  int fd = load(nullptr, 0);
  if (fd >= 0) return UniqueFd(fd);
  int err = errno;
  std::string log(65536, '\0');
  if (load(log.data(), static_cast<uint32_t>(log.size())) >= 0) err = 0;  // should not happen
  log.resize(std::strlen(log.c_str()));
  std::string msg = "load device eBPF program (" + std::to_string(insns.size()) + " instructions): " +
                    std::strerror(err ? err : EINVAL);
  if (!log.empty()) msg += ": verifier: " + log;
  throw Error(msg, err ? err : EINVAL);
}

namespace {

std::vector<uint32_t> query_device_programs(int dirfd, uint32_t& flags) {
  std::vector<uint32_t> ids(64);
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.query.target_fd = static_cast<uint32_t>(dirfd);
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
  attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
  if (bpf(BPF_PROG_QUERY, attr) < 0) throw_errno("query device programs (BPF_PROG_QUERY)");
  flags = attr.query.attach_flags;
  ids.resize(std::min<size_t>(attr.query.prog_cnt, ids.size()));
  return ids;
}

void detach_program_id(int dirfd, uint32_t id) {
  bpf_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.prog_id = id;
  int fd = static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, attr));
  if (fd < 0) {
    if (errno == ENOENT) return;  // already gone
    throw_errno("get device program " + std::to_string(id) + " (BPF_PROG_GET_FD_BY_ID)");
  }
  UniqueFd prog(fd);
  std::memset(&attr, 0, sizeof attr);
  attr.target_fd = static_cast<uint32_t>(dirfd);
  attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  if (bpf(BPF_PROG_DETACH, attr) < 0 && errno != ENOENT) {
    throw_errno("detach old device program " + std::to_string(id));
  }
}

UniqueFd open_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open " + dir);
  return fd;
}

}  // namespace

void attach_device_filter(const std::string& cgroup2_dir, const std::vector<spec::DeviceRule>& rules) {
  with_context("linux.resources.devices: " + cgroup2_dir, [&] {
    UniqueFd prog = load_device_program(build_device_program(rules));
    UniqueFd dir = open_dir(cgroup2_dir);
    uint32_t flags = 0;
    std::vector<uint32_t> old = query_device_programs(dir.get(), flags);
    // A program attached without ALLOW_MULTI cannot coexist: drop it first.
    if (!old.empty() && !(flags & BPF_F_ALLOW_MULTI)) {
      for (uint32_t id : old) detach_program_id(dir.get(), id);
      old.clear();
    }
    bpf_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.target_fd = static_cast<uint32_t>(dir.get());
    attr.attach_bpf_fd = static_cast<uint32_t>(prog.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attr) < 0) throw_errno("attach device program (BPF_PROG_ATTACH)");
    for (uint32_t id : old) detach_program_id(dir.get(), id);
  });
}

int count_device_programs(const std::string& cgroup2_dir) {
  UniqueFd dir = open_dir(cgroup2_dir);
  uint32_t flags = 0;
  return static_cast<int>(query_device_programs(dir.get(), flags).size());
}

}  // namespace minirun::cgroup
