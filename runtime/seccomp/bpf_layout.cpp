#include "runtime/seccomp/bpf_layout.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>

namespace minirun::runtime {

namespace {

using Program = std::vector<struct sock_filter>;

constexpr uint16_t kLoad = BPF_LD | BPF_W | BPF_ABS;
constexpr uint16_t kAnd = BPF_ALU | BPF_AND | BPF_K;
constexpr uint16_t kRet = BPF_RET | BPF_K;
constexpr uint16_t kJa = BPF_JMP | BPF_JA;
constexpr uint16_t kJeq = BPF_JMP | BPF_JEQ | BPF_K;
constexpr uint16_t kJgt = BPF_JMP | BPF_JGT | BPF_K;
constexpr uint16_t kJge = BPF_JMP | BPF_JGE | BPF_K;
constexpr uint16_t kJset = BPF_JMP | BPF_JSET | BPF_K;
constexpr uint32_t kNrOffset = offsetof(struct seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(struct seccomp_data, arch);

// What the accumulator may hold at an instruction.
enum : uint8_t { kHoldsNr = 1, kHoldsArch = 2, kHoldsOther = 4 };

struct Points {
  std::vector<uint32_t> nr{0}, arch{0};
};

void add_point(std::vector<uint32_t>& to, uint32_t k, uint16_t code) {
  // == k and >= k change at k, == k again at k + 1, > k at k + 1.
  if (code != kJgt) to.push_back(k);
  if (code != kJge && k != UINT32_MAX) to.push_back(k + 1);
}

void sort_unique(std::vector<uint32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Checks that every reachable instruction is one the rewrite knows, that
// jumps stay inside, and that nr and arch are only compared (==, >, >=, with
// a constant).  Collects those constants.
bool analyse(const Program& p, Points& pts) {
  const size_t n = p.size();
  if (n == 0 || n > BPF_MAXINSNS) return false;
  std::vector<uint8_t> holds(n, 0);
  holds[0] = kHoldsOther;  // A starts at 0
  auto flow = [&](uint64_t to, uint8_t h) {
    if (to >= n) return false;
    holds[to] |= h;
    return true;
  };
  for (size_t pc = 0; pc < n; ++pc) {
    const uint8_t h = holds[pc];
    if (h == 0) continue;  // unreachable
    const struct sock_filter& in = p[pc];
    switch (in.code) {
      case kLoad:
        if (in.k % 4 != 0 || in.k >= sizeof(struct seccomp_data)) return false;
        if (!flow(pc + 1, in.k == kNrOffset ? kHoldsNr : in.k == kArchOffset ? kHoldsArch : kHoldsOther)) return false;
        break;
      case kAnd:
        if (h & (kHoldsNr | kHoldsArch)) return false;
        if (!flow(pc + 1, kHoldsOther)) return false;
        break;
      case kRet:
        break;
      case kJa:
        if (!flow(pc + 1 + uint64_t{in.k}, h)) return false;
        break;
      case kJeq:
      case kJgt:
      case kJge:
        if (h & kHoldsNr) add_point(pts.nr, in.k, in.code);
        if (h & kHoldsArch) add_point(pts.arch, in.k, in.code);
        if (!flow(pc + 1 + in.jt, h) || !flow(pc + 1 + in.jf, h)) return false;
        break;
      case kJset:
        if (h & (kHoldsNr | kHoldsArch)) return false;
        if (!flow(pc + 1 + in.jt, h) || !flow(pc + 1 + in.jf, h)) return false;
        break;
      default:
        return false;
    }
  }
  sort_unique(pts.nr);
  sort_unique(pts.arch);
  return true;
}

// Where a syscall's walk ends before it looks at anything but nr and arch: a
// return value, or the first load of ip/args (what follows depends on them).
struct Leaf {
  bool ret = true;
  uint32_t value = 0;  // the return value, or that load's pc
  bool operator==(const Leaf& o) const { return ret == o.ret && value == o.value; }
  bool operator<(const Leaf& o) const { return ret != o.ret ? ret < o.ret : value < o.value; }
};

// Only for programs analyse() accepted: jumps go forward and stay inside.
Leaf walk(const Program& p, uint32_t arch, uint32_t nr) {
  uint32_t a = 0;
  size_t pc = 0;
  for (;;) {
    const struct sock_filter& in = p[pc];
    switch (in.code) {
      case kLoad:
        if (in.k == kNrOffset) {
          a = nr;
        } else if (in.k == kArchOffset) {
          a = arch;
        } else {
          return {false, static_cast<uint32_t>(pc)};
        }
        ++pc;
        break;
      case kAnd:
        a &= in.k;
        ++pc;
        break;
      case kRet:
        return {true, in.k};
      case kJa:
        pc += 1 + in.k;
        break;
      case kJeq:
        pc += 1 + (a == in.k ? in.jt : in.jf);
        break;
      case kJgt:
        pc += 1 + (a > in.k ? in.jt : in.jf);
        break;
      case kJge:
        pc += 1 + (a >= in.k ? in.jt : in.jf);
        break;
      default:  // kJset
        pc += 1 + ((a & in.k) != 0 ? in.jt : in.jf);
        break;
    }
  }
}

// The outcome as a function of nr for one arch: (first nr, leaf) ranges.
using NrMap = std::vector<std::pair<uint32_t, Leaf>>;

NrMap nr_map(const Program& p, uint32_t arch, const std::vector<uint32_t>& nr_points) {
  NrMap m;
  for (uint32_t nr : nr_points) {
    Leaf l = walk(p, arch, nr);
    if (m.empty() || !(m.back().second == l)) m.emplace_back(nr, l);
  }
  return m;
}

// The output, built with symbolic jump targets (item ids) so that a jump
// too far for an 8-bit offset can get a JA trampoline afterwards.
class Builder {
 public:
  int item(struct sock_filter in) {
    items_.push_back({in});
    return static_cast<int>(items_.size()) - 1;
  }
  void place(int id) { order_.push_back(id); }
  int emit(struct sock_filter in) {
    int id = item(in);
    place(id);
    return id;
  }
  void set_targets(int id, int jt, int jf) {
    items_[id].jt = jt;
    items_[id].jf = jf;
  }
  void set_ja(int id, int to) { items_[id].ja = to; }
  void set_origin(int id, uint32_t pc) { items_[id].origin = static_cast<int64_t>(pc); }

  // Resolves the targets into offsets.  nullopt if too long.
  std::optional<Program> finish(std::vector<int64_t>& origin_of_pc) {
    for (;;) {
      if (order_.size() > BPF_MAXINSNS) return std::nullopt;
      std::vector<size_t> pos(items_.size(), SIZE_MAX);
      for (size_t i = 0; i < order_.size(); ++i) pos[order_[i]] = i;
      // The first conditional jump too far for its 8-bit offset jumps to a
      // JA placed right after it instead.
      bool inserted = false;
      for (size_t i = 0; i < order_.size() && !inserted; ++i) {
        const int id = order_[i];
        for (bool true_branch : {true, false}) {
          const int to = true_branch ? items_[id].jt : items_[id].jf;
          if (to < 0) continue;
          if (pos[to] == SIZE_MAX || pos[to] <= i) return std::nullopt;  // never backwards
          if (pos[to] - i - 1 <= 255) continue;
          const int tramp = item(BPF_STMT(kJa, 0));
          items_[tramp].ja = to;
          (true_branch ? items_[id].jt : items_[id].jf) = tramp;
          order_.insert(order_.begin() + static_cast<std::ptrdiff_t>(i) + 1, tramp);
          inserted = true;
          break;
        }
      }
      if (inserted) continue;
      Program out(order_.size());
      origin_of_pc.assign(order_.size(), -1);
      for (size_t i = 0; i < order_.size(); ++i) {
        const Item& it = items_[order_[i]];
        out[i] = it.in;
        origin_of_pc[i] = it.origin;
        if (it.jt >= 0) out[i].jt = static_cast<uint8_t>(pos[it.jt] - i - 1);
        if (it.jf >= 0) out[i].jf = static_cast<uint8_t>(pos[it.jf] - i - 1);
        if (it.ja >= 0) {
          if (pos[it.ja] == SIZE_MAX || pos[it.ja] <= i) return std::nullopt;
          out[i].k = static_cast<uint32_t>(pos[it.ja] - i - 1);
        }
      }
      return out;
    }
  }

 private:
  struct Item {
    struct sock_filter in;
    int jt = -1, jf = -1, ja = -1;  // target item ids
    int64_t origin = -1;            // for copied argument code: its pc in the input
  };
  std::vector<Item> items_;
  std::vector<int> order_;
};

class Rewriter {
 public:
  Rewriter(const Program& p, Builder& b) : p_(p), b_(b) {}

  // The copied argument code: everything reachable from the leaves' loads,
  // in input order, so offsets between copies only shrink.
  void make_blocks(const std::vector<const NrMap*>& maps) {
    std::vector<uint32_t> todo;
    for (const NrMap* m : maps)
      for (const auto& [nr, leaf] : *m)
        if (!leaf.ret) todo.push_back(leaf.value);
    std::vector<bool> seen(p_.size(), false);
    while (!todo.empty()) {
      uint32_t pc = todo.back();
      todo.pop_back();
      if (seen[pc]) continue;
      seen[pc] = true;
      const struct sock_filter& in = p_[pc];
      if (in.code == kRet) continue;
      if (in.code == kJa) {
        todo.push_back(pc + 1 + in.k);
      } else if (BPF_CLASS(in.code) == BPF_JMP) {
        todo.push_back(pc + 1 + in.jt);
        todo.push_back(pc + 1 + in.jf);
      } else {
        todo.push_back(pc + 1);
      }
    }
    for (uint32_t pc = 0; pc < p_.size(); ++pc)
      if (seen[pc]) {
        int id = b_.item(p_[pc]);
        b_.set_origin(id, pc);
        block_[pc] = id;
      }
  }

  void place_blocks() {
    for (const auto& [pc, id] : block_) {
      b_.place(id);
      const struct sock_filter& in = p_[pc];
      if (in.code == kJa) {
        b_.set_ja(id, block_.at(pc + 1 + in.k));
      } else if (BPF_CLASS(in.code) == BPF_JMP) {
        b_.set_targets(id, block_.at(pc + 1 + in.jt), block_.at(pc + 1 + in.jf));
      }
    }
  }

  // The code for one arch's NrMap; returns its entry.  Return values are
  // shared within the section and placed after its tree.
  int section(const NrMap& m) {
    std::map<uint32_t, int> rets;
    int entry;
    if (m.size() == 1) {
      entry = target(m[0].second, rets);
    } else {
      entry = b_.emit(BPF_STMT(kLoad, kNrOffset));
      tree(m, 0, m.size(), rets);
    }
    for (const auto& [value, id] : rets) b_.place(id);
    return entry;
  }

 private:
  int target(const Leaf& l, std::map<uint32_t, int>& rets) {
    if (!l.ret) return block_.at(l.value);
    auto it = rets.find(l.value);
    if (it == rets.end()) it = rets.emplace(l.value, b_.item(BPF_STMT(kRet, l.value))).first;
    return it->second;
  }

  // Ranges m[lo, hi): JGE on the first nr of the upper half, preorder.
  int tree(const NrMap& m, size_t lo, size_t hi, std::map<uint32_t, int>& rets) {
    if (hi - lo == 1) return target(m[lo].second, rets);
    size_t mid = lo + (hi - lo) / 2;
    int node = b_.emit(BPF_JUMP(kJge, m[mid].first, 0, 0));
    int lower = tree(m, lo, mid, rets);
    int upper = tree(m, mid, hi, rets);
    b_.set_targets(node, upper, lower);
    return node;
  }

  const Program& p_;
  Builder& b_;
  std::map<uint32_t, int> block_;  // input pc -> its copy
};

// Inclusive ranges of nr answered ENOSYS, per audit arch.
using EnosysRanges = std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>>;

constexpr uint32_t kX32Bit = 0x40000000;

void add_above(std::vector<std::pair<uint32_t, uint32_t>>& to, uint32_t last, uint32_t lo, uint32_t hi) {
  if (last == UINT32_MAX) return;
  uint32_t first = std::max(last + 1, lo);
  if (first <= hi) to.emplace_back(first, hi);
}

EnosysRanges enosys_ranges(const std::vector<ArchLimit>& limits) {
  EnosysRanges out;
  for (const ArchLimit& l : limits) {
    if (l.last_nr == 0) continue;  // nothing named: runc leaves the arch alone
    if (l.arch == SCMP_ARCH_X86_64 || l.arch == SCMP_ARCH_X32) {
      // One audit arch: numbers with the x32 bit clear are x86_64's, set x32's.
      auto& r = out[AUDIT_ARCH_X86_64];
      const bool x32 = l.arch == SCMP_ARCH_X32;
      const uint32_t base = x32 ? kX32Bit : 0;
      add_above(r, l.last_nr, base, base + kX32Bit - 1);
      add_above(r, l.last_nr, base + 2 * kX32Bit, base + 3 * kX32Bit - 1);
      continue;
    }
    auto& r = out[l.arch];
    add_above(r, l.last_nr, 0, UINT32_MAX);
    // s390's setup(2) multiplexes numbers >= 256; the kernel leaves an
    // unknown one as 0.
    if (l.arch == SCMP_ARCH_S390 || l.arch == SCMP_ARCH_S390X) r.emplace_back(0, 0);
  }
  for (auto& [arch, r] : out) {
    std::sort(r.begin(), r.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& x : r) {
      if (!merged.empty() && uint64_t{merged.back().second} + 1 >= x.first) {
        merged.back().second = std::max(merged.back().second, x.second);
      } else {
        merged.push_back(x);
      }
    }
    r = std::move(merged);
  }
  return out;
}

}  // namespace

Program prepend_enosys_stub(const Program& prog, const std::vector<ArchLimit>& limits) {
  const EnosysRanges ranges = enosys_ranges(limits);
  if (ranges.empty()) return prog;
  // Targets as instruction indexes of the stub, or one of these, resolved
  // once its length is known.
  enum : int { kEnosys = -1, kFilter = -2, kNext = -3 };
  struct Insn {
    struct sock_filter in;
    int jt, jf;
  };
  std::vector<Insn> stub;
  auto emit = [&](struct sock_filter in, int jt = kNext, int jf = kNext) {
    stub.push_back({in, jt, jf});
    return static_cast<int>(stub.size()) - 1;
  };
  emit(BPF_STMT(kLoad, kArchOffset));
  std::vector<int> arch_jumps;
  for (const auto& [arch, r] : ranges) arch_jumps.push_back(emit(BPF_JUMP(kJeq, arch, 0, 0), 0, kNext));
  emit(BPF_STMT(kJa, 0), kFilter, kFilter);  // another arch: the filter's bad-arch action
  size_t i = 0;
  for (const auto& [arch, r] : ranges) {
    stub[arch_jumps[i++]].jt = emit(BPF_STMT(kLoad, kNrOffset));
    // Ascending: at range k the number is above range k-1.
    for (size_t k = 0; k < r.size(); ++k) {
      const bool last = k + 1 == r.size();
      const auto [first, end] = r[k];
      if (first > 0) emit(BPF_JUMP(kJge, first, 0, 0), kNext, kFilter);
      if (end == UINT32_MAX) {
        emit(BPF_STMT(kJa, 0), kEnosys, kEnosys);
      } else {
        emit(BPF_JUMP(kJgt, end, 0, 0), last ? kFilter : kNext, kEnosys);
      }
    }
  }
  const int enosys = emit(BPF_STMT(kRet, SECCOMP_RET_ERRNO | ENOSYS));
  const int filter = static_cast<int>(stub.size());
  Program out;
  for (int pc = 0; pc < filter; ++pc) {
    Insn x = stub[pc];
    auto offset = [&](int target) {
      int to = target == kEnosys ? enosys : target == kFilter ? filter : target == kNext ? pc + 1 : target;
      return to - pc - 1;
    };
    if (x.in.code == kJa) {
      x.in.k = static_cast<uint32_t>(offset(x.jt));
    } else if (BPF_CLASS(x.in.code) == BPF_JMP) {
      int jt = offset(x.jt), jf = offset(x.jf);
      if (jt < 0 || jt > 255 || jf < 0 || jf > 255) return prog;  // never with a handful of arches
      x.in.jt = static_cast<uint8_t>(jt);
      x.in.jf = static_cast<uint8_t>(jf);
    }
    out.push_back(x.in);
  }
  out.insert(out.end(), prog.begin(), prog.end());
  return out;
}

std::optional<Program> relayout_seccomp_filter(const Program& prog) {
  Points pts;
  if (!analyse(prog, pts)) return std::nullopt;
  if (pts.arch.size() * pts.nr.size() > (1U << 22)) return std::nullopt;

  // The outcome for each range of arch values; the commonest is the default
  // (libseccomp: the bad-arch action), the others must be single values.
  std::vector<NrMap> by_arch;
  for (uint32_t a : pts.arch) by_arch.push_back(nr_map(prog, a, pts.nr));
  std::map<NrMap, size_t> count;
  for (const NrMap& m : by_arch) ++count[m];
  const NrMap* fallback = nullptr;
  size_t best = 0;
  for (const auto& [m, c] : count)
    if (c > best) best = c, fallback = &m;
  std::vector<std::pair<uint32_t, const NrMap*>> special;
  for (size_t i = 0; i < pts.arch.size(); ++i) {
    if (by_arch[i] == *fallback) continue;
    uint64_t end = i + 1 < pts.arch.size() ? pts.arch[i + 1] : uint64_t{1} << 32;
    if (end != uint64_t{pts.arch[i]} + 1) return std::nullopt;
    special.emplace_back(pts.arch[i], &by_arch[i]);
  }
  // No arch compared: nothing to gain over the input's own order.
  if (special.empty()) return std::nullopt;

  Builder b;
  Rewriter rw(prog, b);
  std::vector<const NrMap*> maps{fallback};
  for (const auto& s : special) maps.push_back(s.second);
  rw.make_blocks(maps);

  b.emit(BPF_STMT(kLoad, kArchOffset));
  std::vector<int> jeqs;
  for (const auto& s : special) jeqs.push_back(b.emit(BPF_JUMP(kJeq, s.first, 0, 0)));
  int fallback_entry = rw.section(*fallback);
  for (size_t i = 0; i < special.size(); ++i) {
    int entry = rw.section(*special[i].second);
    int next = i + 1 < jeqs.size() ? jeqs[i + 1] : fallback_entry;
    b.set_targets(jeqs[i], entry, next);
  }
  rw.place_blocks();

  std::vector<int64_t> origin;
  std::optional<Program> out = b.finish(origin);
  if (!out || out->size() >= prog.size()) return std::nullopt;

  // By construction every (arch, nr) reaches the same return value or the
  // same argument code; check it on every range anyway.
  Points out_pts;
  if (!analyse(*out, out_pts)) return std::nullopt;
  for (uint32_t a : pts.arch)
    for (uint32_t nr : pts.nr) {
      Leaf want = walk(prog, a, nr), got = walk(*out, a, nr);
      if (!got.ret) got.value = static_cast<uint32_t>(origin[got.value]);
      if (!(want == got)) return std::nullopt;
    }
  return out;
}

}  // namespace minirun::runtime
