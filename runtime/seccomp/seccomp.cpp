#include "runtime/seccomp/seccomp.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "runtime/build_info.h"
#include "runtime/seccomp/bpf_layout.h"
#include "runtime/config_load.h"
#include "runtime/files.h"
#include "runtime/log.h"
#include "spec/raw_json.h"
#include "spec/unique_fd.h"
#include "spec/unknown_fields.h"

namespace minirun::runtime {

namespace {

struct FilterCtx {
  scmp_filter_ctx ctx;
  ~FilterCtx() { seccomp_release(ctx); }
};

uint32_t action_value(const std::string& name, std::optional<uint32_t> errno_ret, const std::string& field) {
  uint32_t err = errno_ret.value_or(EPERM);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(err);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(err);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
  throw Error(field + ": unknown seccomp action \"" + name + "\"");
}

scmp_compare compare_op(const std::string& op, const std::string& field) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  throw Error(field + ": unknown seccomp operator \"" + op + "\"");
}

unsigned filter_flag(const std::string& name) {
  if (name == "SECCOMP_FILTER_FLAG_TSYNC") return SECCOMP_FILTER_FLAG_TSYNC;
  if (name == "SECCOMP_FILTER_FLAG_LOG") return SECCOMP_FILTER_FLAG_LOG;
  if (name == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") return 1U << 5;  // kWaitKillableRecv
  throw Error("linux.seccomp.flags: unknown flag \"" + name + "\"");
}

void add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::vector<scmp_arg_cmp>& args,
              const std::string& field) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
  if (rc != 0) throw_errno(field + ": add seccomp rule", -rc);
}

std::vector<struct sock_filter> export_bpf(scmp_filter_ctx ctx) {
  UniqueFd mem(static_cast<int>(::syscall(SYS_memfd_create, "seccomp", MFD_CLOEXEC)));
  if (!mem) throw_errno("memfd_create");
  int rc = seccomp_export_bpf(ctx, mem.get());
  if (rc != 0) throw_errno("seccomp: export BPF", -rc);
  struct stat st;
  if (::fstat(mem.get(), &st) != 0) throw_errno("fstat");
  std::vector<struct sock_filter> insns(static_cast<size_t>(st.st_size) / sizeof(struct sock_filter));
  if (::pread(mem.get(), insns.data(), insns.size() * sizeof(struct sock_filter), 0) != st.st_size)
    throw_errno("seccomp: read exported BPF");
  return insns;
}

// Actions that let a syscall through get no ENOSYS stub (runc): a tracer
// or a logging profile handles new syscalls itself.
bool passes_syscalls(uint32_t action) {
  return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG || (action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_TRACE(0);
}

// Per arch of the filter, the highest number of any syscall the profile
// names (rules equal to the default included), as runc's stub counts them.
std::vector<ArchLimit> enosys_limits(const spec::Seccomp& s, const std::vector<uint32_t>& arches) {
  std::vector<ArchLimit> out;
  for (uint32_t arch : arches) {
    uint32_t last = 0;
    for (const auto& sc : s.syscalls)
      for (const auto& name : sc.names) {
        int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
        if (nr >= 0) last = std::max(last, static_cast<uint32_t>(nr));  // < 0: unknown, or multiplexed
      }
    out.push_back({arch, last});
  }
  return out;
}

std::vector<struct sock_filter> build_filter(const spec::Seccomp& s, bool& notify) {
  uint32_t def = action_value(s.default_action, s.default_errno_ret, "linux.seccomp.defaultAction");
  FilterCtx f{seccomp_init(def)};
  if (!f.ctx) throw Error("seccomp: cannot initialise a filter");
  seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_NNP, 0);
  // A binary tree of syscall numbers: fewer instructions run per syscall.
  seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  // No architectures listed: libseccomp's native one (runc would add no
  // stub at all; a profile without the list needs the fallback as much).
  std::vector<uint32_t> arches;
  if (s.architectures.empty()) arches.push_back(seccomp_arch_native());
  for (size_t i = 0; i < s.architectures.size(); ++i) {
    std::string a = s.architectures[i];
    if (a.rfind("SCMP_ARCH_", 0) == 0) a = a.substr(10);
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
    uint32_t arch = seccomp_arch_resolve_name(a.c_str());
    if (arch == 0)
      throw Error("linux.seccomp.architectures[" + std::to_string(i) + "]: unknown architecture \"" +
                  s.architectures[i] + "\"");
    int rc = seccomp_arch_add(f.ctx, arch);
    if (rc != 0 && rc != -EEXIST) throw_errno("linux.seccomp.architectures: add " + s.architectures[i], -rc);
    if (std::find(arches.begin(), arches.end(), arch) == arches.end()) arches.push_back(arch);
  }
  for (size_t i = 0; i < s.syscalls.size(); ++i) {
    const auto& sc = s.syscalls[i];
    std::string field = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
    uint32_t action = action_value(sc.action, sc.errno_ret, field + ".action");
    if (action == def) continue;  // libseccomp refuses rules equal to the default
    notify |= action == SCMP_ACT_NOTIFY;
    std::vector<scmp_arg_cmp> cmps;
    std::set<uint32_t> indices;
    bool repeated_index = false;
    for (const auto& a : sc.args) {
      cmps.push_back({a.index, compare_op(a.op, field + ".args"), a.value, a.value_two});
      repeated_index |= !indices.insert(a.index).second;
    }
    for (const auto& name : sc.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;  // unknown here: skipped, as runc does
      // Conditions on one argument index are OR-ed by runc: one rule each.
      if (repeated_index) {
        for (const auto& c : cmps) add_rule(f.ctx, action, nr, {c}, field);
      } else {
        add_rule(f.ctx, action, nr, cmps, field);
      }
    }
  }
  notify |= def == SCMP_ACT_NOTIFY;
  std::vector<struct sock_filter> insns = export_bpf(f.ctx);
  // Unknown (newer) syscalls fail ENOSYS, so that callers fall back; not
  // with a default that lets them through or already says ENOSYS.
  if (!passes_syscalls(def) && s.default_errno_ret.value_or(0) != ENOSYS)
    insns = prepend_enosys_stub(insns, enosys_limits(s, arches));
  // The kernel's cost of loading a filter grows with its length.
  if (auto tree = relayout_seccomp_filter(insns)) {
    log_debug("seccomp: " + std::to_string(insns.size()) + " BPF instructions from libseccomp, " +
              std::to_string(tree->size()) + " as a range tree");
    return std::move(*tree);
  }
  return insns;
}

constexpr unsigned kWaitKillableRecv = 1U << 5;  // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19)

void finish_flags(SeccompProgram& prog) {
  if (prog.notify) {
    prog.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  } else {
    prog.flags &= ~kWaitKillableRecv;  // only meaningful (and accepted) with a listener
  }
}

// The build that compiled a cache file is part of its key: a file left by
// another version or build of minirun (whose compiler may differ) misses.
constexpr std::string_view kBuildId = MINIRUN_BUILD_ID;
// Far above any real filter; a bigger file is not read.
constexpr off_t kMaxCacheFile = 16 << 20;

// A cache file: a header, its key (the build id, a newline, the raw
// linux.seccomp text it was compiled from; compared on a hit, so the name's
// hash only has to find it), the BPF.
struct CacheHeader {
  char magic[4] = {'M', 'R', 'S', '4'};
  uint32_t flags = 0;  // SECCOMP_FILTER_FLAG_*, final
  uint32_t notify = 0;
  uint32_t key_size = 0;
};

// The filter in a cache file is loaded as it is, so only a dir and files
// nobody but the caller can write are trusted (another local user, or a
// umask that left them writable, must not choose the filter); a file that
// fails is ignored and replaced.  Whoever can write as the caller (root's
// --root) can change the runtime itself anyway.
bool cache_dir_trusted(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return errno == ENOENT;
  if (S_ISDIR(st.st_mode) && owned_by_caller(st)) return true;
  log_debug("seccomp: not using the cache " + dir + ": not a private dir of the caller's");
  return false;
}

bool read_cached(const std::string& file, std::string_view text, SeccompProgram& prog) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return false;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || !owned_by_caller(st) || st.st_size > kMaxCacheFile) {
    log_debug("seccomp: ignoring the cache file " + file + ": not a private file of the caller's");
    return false;
  }
  std::string blob(static_cast<size_t>(st.st_size), '\0');
  if (blob.size() < sizeof(CacheHeader) || ::pread(fd.get(), blob.data(), blob.size(), 0) != st.st_size) return false;
  CacheHeader h;
  std::memcpy(&h, blob.data(), sizeof h);
  size_t bpf = sizeof h + h.key_size;
  std::string_view key = std::string_view(blob).substr(sizeof h, blob.size() <= bpf ? 0 : h.key_size);
  if (std::memcmp(h.magic, CacheHeader{}.magic, sizeof h.magic) != 0 || blob.size() <= bpf ||
      (blob.size() - bpf) % sizeof(struct sock_filter) != 0 || key.size() != kBuildId.size() + 1 + text.size() ||
      key.substr(0, kBuildId.size()) != kBuildId || key[kBuildId.size()] != '\n' ||
      key.substr(kBuildId.size() + 1) != text)
    return false;
  prog.filter.resize((blob.size() - bpf) / sizeof(struct sock_filter));
  std::memcpy(prog.filter.data(), blob.data() + bpf, blob.size() - bpf);
  prog.flags = h.flags;
  prog.notify = h.notify != 0;
  prog.from_cache = true;
  if (debug_enabled()) log_debug("seccomp: using the cached filter " + file);
  return true;
}

void write_cached(const std::string& dir, const std::string& file, std::string_view text, const SeccompProgram& prog) {
  CacheHeader h;
  h.flags = prog.flags;
  h.notify = prog.notify;
  h.key_size = static_cast<uint32_t>(kBuildId.size() + 1 + text.size());
  std::string blob(reinterpret_cast<const char*>(&h), sizeof h);
  blob += kBuildId;
  blob += '\n';
  blob += text;
  blob.append(reinterpret_cast<const char*>(prog.filter.data()), prog.filter.size() * sizeof(struct sock_filter));
  try {
    // The first create compiles before it makes the --root (the cache's parent).
    ::mkdir(dir.substr(0, dir.rfind('/')).c_str(), 0700);
    ::mkdir(dir.c_str(), 0700);
    if (!cache_dir_trusted(dir)) return;
    // A fresh temp name each time: concurrent runs may compile the same
    // profile, and nothing planted at a guessable name is followed.
    write_file_atomic(file, blob);
  } catch (const Error&) {
    // A cache we cannot write only costs the next run a compile.
  }
}

SeccompProgram compile(const spec::Seccomp& s) {
  SeccompProgram prog;
  for (const auto& fl : s.flags) prog.flags |= filter_flag(fl);
  prog.filter = build_filter(s, prog.notify);
  finish_flags(prog);
  log_debug("seccomp: compiled " + std::to_string(prog.filter.size()) + " BPF instructions");
  return prog;
}

}  // namespace

namespace {

// warnings null: not asked for (they cost a walk of the whole document).
spec::Spec parse_and_compile(const std::string& config_text, const std::string& cache_dir, SeccompProgram& seccomp,
                             std::vector<std::string>* warnings) {
  const char* label = "config.json";
  auto span = spec::find_json_member(config_text, {"linux", "seccomp"});
  std::string_view text;
  std::string file;
  if (span && !cache_dir.empty() && cache_dir_trusted(cache_dir)) {
    text = std::string_view(config_text).substr(span->first, span->second - span->first);
    // The name carries the compile options: a change of them must miss.
    // Any hash will do for the name: a hit compares the build and the text.
    size_t hash = std::hash<std::string_view>{}(text) ^ (std::hash<std::string_view>{}(kBuildId) << 1);
    char name[48];
    std::snprintf(name, sizeof name, "/%016zx-o2-tree-enosys.bpf", hash);
    file = cache_dir + name;
    if (text.size() >= 4 && read_cached(file, text, seccomp) && !seccomp.notify) {
      // This very text was parsed, validated and compiled before.
      std::string rest = spec::null_json_span(config_text, *span);
      spec::Spec sp = warnings ? spec::parse_spec(rest, label, *warnings) : spec::parse_spec(rest, label);
      sp.linux.seccomp.emplace();
      return sp;
    }
  }
  size_t first_warning = warnings ? warnings->size() : 0;
  spec::Spec sp = warnings ? spec::parse_spec(config_text, label, *warnings) : spec::parse_spec(config_text, label);
  if (!sp.linux.seccomp) return sp;
  if (!seccomp.from_cache) {
    with_context(label, [&] { seccomp = compile(*sp.linux.seccomp); });
    // A hit skips the parse of linux.seccomp, and with it the warnings on
    // its unknown members: a profile that has any is never cached.
    const std::string in_seccomp = std::string(label) + ": linux.seccomp.";
    bool seccomp_warned = warnings && std::any_of(warnings->begin() + static_cast<long>(first_warning), warnings->end(),
                                                  [&](const std::string& w) { return w.rfind(in_seccomp, 0) == 0; });
    if (!file.empty() && !seccomp_warned) write_cached(cache_dir, file, text, seccomp);
  }
  return sp;
}

}  // namespace

spec::Spec parse_spec_and_seccomp(const std::string& config_text, const std::string& cache_dir,
                                  SeccompProgram& seccomp) {
  return parse_and_compile(config_text, cache_dir, seccomp, nullptr);
}

spec::Spec parse_config_for_create(const std::string& config_text, const std::string& cache_dir,
                                   SeccompProgram& seccomp, std::vector<std::string>& warnings) {
  return parse_and_compile(config_text, cache_dir, seccomp, &warnings);
}

int load_seccomp(const SeccompProgram& prog) {
  struct sock_fprog fprog = {static_cast<unsigned short>(prog.filter.size()),
                             const_cast<struct sock_filter*>(prog.filter.data())};
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags, &fprog);
  if (rc < 0) throw_errno("load seccomp filter");
  return prog.notify ? static_cast<int>(rc) : -1;
}

void send_seccomp_listener(const spec::Seccomp& s, int listener_fd, pid_t pid, const std::string& state_json) {
  const std::string& path = s.listener_path;
  if (path.empty()) throw Error("linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
  auto state = nlohmann::json::parse(state_json);
  nlohmann::json msg = {{"ociVersion", state.value("ociVersion", "1.0.2")},
                        {"fds", {"seccompFd"}},
                        {"pid", pid},
                        {"metadata", s.listener_metadata},
                        {"state", state}};
  std::string payload = msg.dump();
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("linux.seccomp.listenerPath: socket");
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw Error("linux.seccomp.listenerPath: too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("linux.seccomp.listenerPath: connect " + path);
  struct iovec iov = {payload.data(), payload.size()};
  struct msghdr m = {};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  struct cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
  ssize_t n;
  while ((n = ::sendmsg(sock.get(), &m, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw_errno("linux.seccomp.listenerPath: send to " + path);
}

}  // namespace minirun::runtime
