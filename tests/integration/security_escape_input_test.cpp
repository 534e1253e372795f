// Issue 15: untrusted input and the files the runtime creates or trusts on
// the host.  Ids that wrap to root, NUL bytes that cut a path short, a
// container /etc/passwd that is /dev/zero or a fifo, temp files a planted
// symlink redirects, a poisoned seccomp cache, and a state root squatted by
// another local user.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>

#include "security_escape.h"

extern char** environ;

namespace minirun::test {
namespace {

constexpr int kVictim = 65534;    // nobody: the user whose minirun is attacked
constexpr int kAttacker = 65533;  // another local user, no passwd entry needed

// minirun under a 1 GiB address space: a runaway read ends in bad_alloc
// instead of taking the shared machine down.
Result bounded(const std::string& root, const std::vector<std::string>& args, int timeout_s, double* seconds) {
  std::vector<std::string> argv = {"prlimit", "--as=1073741824", "--", MINIRUN_BIN, "--root", root};
  argv.insert(argv.end(), args.begin(), args.end());
  auto start = std::chrono::steady_clock::now();
  Result r = run_command(argv, "", timeout_s);
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// Whoever is still blocked opening the fifo for reading gets EOF.
void release_fifo(const std::string& fifo) {
  int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
}

void write_json(const std::string& path, const nlohmann::json& j) { std::ofstream(path) << j.dump(2); }

// The container's /etc/passwd replaced by something that is not a file.
enum class Passwd { dev_zero_link, dev_zero_node, fifo };
const char* passwd_name(Passwd p) {
  return p == Passwd::dev_zero_link   ? "a symlink to /dev/zero"
         : p == Passwd::dev_zero_node ? "a /dev/zero node"
                                      : "a fifo";
}
void plant_passwd(const std::string& rootfs, Passwd kind) {
  std::string passwd = rootfs + "/etc/passwd";
  ::unlink(passwd.c_str());
  switch (kind) {
    case Passwd::dev_zero_link:
      ASSERT_EQ(::symlink("/dev/zero", passwd.c_str()), 0);
      break;
    case Passwd::dev_zero_node:
      ASSERT_EQ(::mknod(passwd.c_str(), S_IFCHR | 0644, makedev(1, 5)), 0);
      break;
    case Passwd::fifo:
      ASSERT_EQ(::mkfifo(passwd.c_str(), 0644), 0);
      break;
  }
}

// ---- 1. ids that wrap to root -------------------------------------------

TEST_F(SecurityEscapeTest, IdsAboveInt32InTheConfigAreRefused) {
  Bundle b;
  b.set_args({"id"});
  const nlohmann::json base = b.config;
  struct Case {
    const char* field;
    nlohmann::json user;
  };
  const Case cases[] = {
      {"process.user.uid", {{"uid", 4294967295u}, {"gid", 0}}},
      {"process.user.gid", {{"uid", 0}, {"gid", 4294967295u}}},
      {"process.user.additionalGids[0]", {{"uid", 0}, {"gid", 0}, {"additionalGids", {2147483648u}}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    b.config = base;
    b.config["process"]["user"] = c.user;
    b.save();
    Result r = minirun({"run", "-b", b.dir(), "in-bigid"});
    EXPECT_EQ(r.code, 1) << "ran with: " << r.out;
    EXPECT_EQ(r.out, "") << "the process ran";
    EXPECT_NE(r.err.find(std::string(c.field) + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("out of range (max 2147483647)"), std::string::npos) << r.err;
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    expect_no_leftovers("in-bigid");
  }
}

TEST_F(SecurityEscapeTest, ExecRefusesIdsThatWrapToRoot) {
  Bundle b(true);
  // A user and a group whose ids std::stoul-then-cast turned into 0.
  std::ofstream(b.rootfs() + "/etc/passwd", std::ios::app) << "svc:x:4294967296:4294967296::/home:/bin/sh\n";
  std::ofstream(b.rootfs() + "/etc/group", std::ios::app) << "big:x:4294967296:\n";
  b.set_args({"sleep", "60"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "in-execid"}).code, 0);
  nlohmann::json p = b.config["process"];
  p["args"] = {"id"};
  p["user"] = {{"uid", 4294967295u}, {"gid", 0}};
  write_json(b.dir() + "/p.json", p);
  struct Case {
    std::vector<std::string> args;
    const char* named;  // in the error
  };
  const Case cases[] = {
      {{"exec", "-p", b.dir() + "/p.json", "in-execid"}, "uid"},
      {{"exec", "--user", "4294967295", "in-execid", "id"}, "4294967295"},
      {{"exec", "--user", "4294967296", "in-execid", "id"}, "4294967296"},
      {{"exec", "--user", "0:4294967296", "in-execid", "id"}, "4294967296"},
      {{"exec", "--user", "0:0", "-g", "4294967296", "in-execid", "id"}, "4294967296"},
      {{"exec", "--user", "svc", "in-execid", "id"}, "4294967296"},
      {{"exec", "--user", "0:big", "in-execid", "id"}, "4294967296"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[2]);
    Result r = minirun(c.args);
    EXPECT_NE(r.code, 0) << "ran with: " << r.out;
    EXPECT_EQ(r.out, "") << "the process ran";
    EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  }
  EXPECT_EQ(minirun({"delete", "-f", "in-execid"}).code, 0);
  expect_no_leftovers("in-execid");
}

// ---- 2. NUL bytes -------------------------------------------------------

TEST_F(SecurityEscapeTest, NulBytesInTheConfigAreRefused) {
  Bundle b;
  b.set_args({"echo", "ok"});
  const nlohmann::json base = b.config;
  const std::string nul("\0", 1);
  struct Case {
    const char* field;
    std::function<void(nlohmann::json&)> plant;
  };
  const Case cases[] = {
      {"process.args[1]",
       [&](nlohmann::json& c) {
         c["process"]["args"] = {"echo", "ok" + nul + "junk"};
       }},
      {"process.env[2]", [&](nlohmann::json& c) { c["process"]["env"].push_back("A=b" + nul + "c"); }},
      {"process.cwd", [&](nlohmann::json& c) { c["process"]["cwd"] = "/" + nul + "junk"; }},
      {"hostname", [&](nlohmann::json& c) { c["hostname"] = "host" + nul + "junk"; }},
      {"root.path",
       [&](nlohmann::json& c) { c["root"]["path"] = c["root"]["path"].get<std::string>() + nul + "junk"; }},
      {"mounts[0].destination",
       [&](nlohmann::json& c) {
         c["mounts"][0]["destination"] = c["mounts"][0]["destination"].get<std::string>() + nul + "x";
       }},
      {"linux.maskedPaths[0]", [&](nlohmann::json& c) { c["linux"]["maskedPaths"] = {"/proc/kcore" + nul + "x"}; }},
      {"hooks.poststop[0].path",
       [&](nlohmann::json& c) {
         c["hooks"]["poststop"] = {{{"path", "/bin/true" + nul + "x"}}};
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    b.config = base;
    c.plant(b.config);
    b.save();
    Result r = minirun({"run", "-b", b.dir(), "in-nul"});
    EXPECT_EQ(r.code, 1) << "ran with: " << r.out;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(std::string(c.field) + ": contains a NUL byte"), std::string::npos) << r.err;
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    expect_no_leftovers("in-nul");
  }
}

TEST_F(SecurityEscapeTest, NulBytesInAnExecProcessAreRefused) {
  Bundle b;
  b.set_args({"sleep", "60"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "in-execnul"}).code, 0);
  const std::string nul("\0", 1);
  const nlohmann::json base = b.config["process"];
  struct Case {
    const char* field;
    std::function<void(nlohmann::json&)> plant;
  };
  const Case cases[] = {
      {"args[1]",
       [&](nlohmann::json& p) {
         p["args"] = {"echo", "ok" + nul + "junk"};
       }},
      {"env[0]", [&](nlohmann::json& p) { p["env"] = {"A=b" + nul + "c"}; }},
      {"cwd", [&](nlohmann::json& p) { p["cwd"] = "/" + nul + "junk"; }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    nlohmann::json p = base;
    p["args"] = {"echo", "ok"};
    c.plant(p);
    write_json(b.dir() + "/p.json", p);
    Result r = minirun({"exec", "-p", b.dir() + "/p.json", "in-execnul"});
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(std::string(c.field) + ": contains a NUL byte"), std::string::npos) << r.err;
  }
  EXPECT_EQ(minirun({"delete", "-f", "in-execnul"}).code, 0);
  expect_no_leftovers("in-execnul");
}

// ---- 3. the container's /etc/passwd -------------------------------------

TEST_F(SecurityEscapeTest, PasswdThatIsNotAFileGivesTheDefaultHome) {
  for (Passwd kind : {Passwd::dev_zero_link, Passwd::dev_zero_node, Passwd::fifo}) {
    SCOPED_TRACE(passwd_name(kind));
    Bundle b(true);
    plant_passwd(b.rootfs(), kind);
    b.set_args({"sh", "-c", "echo HOME=$HOME"});  // no HOME in env: looked up
    double seconds = 0;
    Result r = bounded(root_, {"run", "-b", b.dir(), "in-home"}, 20, &seconds);
    release_fifo(b.rootfs() + "/etc/passwd");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "HOME=/\n");
    EXPECT_LT(seconds, 10.0);
    minirun({"delete", "-f", "in-home"});
    expect_no_leftovers("in-home");
    // A create killed while its init hung in open (the bug) leaves its cgroups.
    for (const auto& d : find_cgroup_dirs("in-home"))
      wait_until([&] { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; }, 5000);
  }
}

TEST_F(SecurityEscapeTest, ExecUserNameWithAPasswdThatIsNotAFileFailsAtOnce) {
  for (Passwd kind : {Passwd::dev_zero_link, Passwd::dev_zero_node, Passwd::fifo}) {
    SCOPED_TRACE(passwd_name(kind));
    Bundle b(true);
    plant_passwd(b.rootfs(), kind);
    b.set_args({"sleep", "60"});
    b.config["process"]["env"].push_back("HOME=/root");
    b.save();
    ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "in-execpw"}).code, 0);
    double seconds = 0;
    Result r = bounded(root_, {"exec", "--user", "daemon", "in-execpw", "id"}, 20, &seconds);
    release_fifo(b.rootfs() + "/etc/passwd");
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(r.out, "") << "ran as someone";
    EXPECT_NE(r.err.find("/etc/passwd"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
    EXPECT_LT(seconds, 10.0);
    EXPECT_EQ(minirun({"delete", "-f", "in-execpw"}).code, 0);
    expect_no_leftovers("in-execpw");
  }
}

// ---- 4. temp files the runtime writes on the host -----------------------

TEST_F(SecurityEscapeTest, PidFileTempSymlinkNeverOverwritesAHostFile) {
  ASSERT_EQ(chmod((host_dir_ + "/secret").c_str(), 0600), 0);
  std::string pids = make_temp_dir("in-pids");
  auto plant = [&](const std::string& name) {
    EXPECT_EQ(symlink((host_dir_ + "/secret").c_str(), (pids + "/" + name + ".minirun-tmp").c_str()), 0);
    return pids + "/" + name;
  };
  Bundle b;
  b.set_args({"sleep", "60"});
  std::string created = plant("created");
  ASSERT_EQ(minirun({"create", "-b", b.dir(), "--pid-file", created, "in-pidc"}).code, 0);
  std::string exec_pid = plant("exec");
  ASSERT_EQ(minirun({"start", "in-pidc"}).code, 0);
  EXPECT_EQ(minirun({"exec", "-d", "--pid-file", exec_pid, "in-pidc", "sleep", "30"}).code, 0);
  std::string run_pid = plant("run");
  EXPECT_EQ(minirun({"run", "-d", "-b", b.dir(), "--pid-file", run_pid, "in-pidr"}).code, 0);
  expect_host_untouched();
  auto state_pid = [&](const std::string& id) {
    return std::to_string(nlohmann::json::parse(minirun({"state", id}).out).value("pid", -1));
  };
  EXPECT_EQ(read_text(created), state_pid("in-pidc"));
  EXPECT_EQ(read_text(run_pid), state_pid("in-pidr"));
  std::string exec_text = read_text(exec_pid);
  EXPECT_TRUE(!exec_text.empty() && path_exists("/proc/" + exec_text)) << "exec pid file: " << exec_text;
  for (const char* id : {"in-pidc", "in-pidr"}) {
    EXPECT_EQ(minirun({"delete", "-f", id}).code, 0);
    expect_no_leftovers(id);
  }
  remove_tree(pids);
}

// The seccomp profile every cache test uses: mkdir denied, all else allowed.
void deny_mkdir(Bundle& b) {
  b.config["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"}},
      {"syscalls", {{{"names", {"mkdir", "mkdirat"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}};
  b.config["root"]["readonly"] = false;
  b.set_args({"sh", "-c", "rmdir /tmp/made 2>/dev/null; mkdir /tmp/made && echo made"});
}

std::vector<std::string> cache_files(const std::string& cache) {
  std::vector<std::string> out;
  for (const auto& name : split_lines(run_command({"ls", "-A", cache}).out)) out.push_back(cache + "/" + name);
  return out;
}

TEST_F(SecurityEscapeTest, SeccompCacheTempSymlinkNeverOverwritesAHostFile) {
  ASSERT_EQ(chmod((host_dir_ + "/secret").c_str(), 0600), 0);
  Bundle b(true);
  deny_mkdir(b);
  Result first = minirun({"run", "-b", b.dir(), "in-sctmp"});
  ASSERT_NE(first.code, 0) << "mkdir allowed: " << first.out;
  std::string cache = root_ + "/.seccomp-cache";
  auto files = cache_files(cache);
  ASSERT_EQ(files.size(), 1u);
  ASSERT_EQ(unlink(files[0].c_str()), 0);
  // The temp name was the file's name plus the writer's pid: plant one for
  // each of the next pids.
  int next = std::stoi(read_text("/proc/sys/kernel/ns_last_pid"));
  for (int pid = next + 1; pid < next + 4000; ++pid)
    symlink((host_dir_ + "/secret").c_str(), (files[0] + "." + std::to_string(pid)).c_str());
  Result second = minirun({"run", "-b", b.dir(), "in-sctmp"});
  EXPECT_NE(second.code, 0) << "mkdir allowed: " << second.out;
  expect_host_untouched();
  struct stat st;
  EXPECT_EQ(lstat(files[0].c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the cache file is a file again";
  expect_no_leftovers("in-sctmp");
}

// ---- 5. the seccomp cache -----------------------------------------------

// The cache file with its BPF replaced by "return ALLOW", the rest kept:
// the profile text is the one JSON object in it.
std::string allow_all_after_profile(const std::string& blob) {
  size_t start = std::string::npos;
  for (size_t i = 0; i < blob.size(); ++i)
    if (blob[i] == '{' && i + 1 < blob.size() && (blob[i + 1] == '"' || blob[i + 1] == '\n' || blob[i + 1] == ' ')) {
      start = i;
      break;
    }
  if (start == std::string::npos) return "";
  int depth = 0;
  bool in_string = false;
  size_t end = start;
  for (size_t i = start; i < blob.size(); ++i) {
    char c = blob[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) {
      end = i + 1;
      break;
    }
  }
  const unsigned char allow[8] = {0x06, 0, 0, 0, 0, 0, 0xff, 0x7f};  // BPF_RET|BPF_K SECCOMP_RET_ALLOW
  return blob.substr(0, end) + std::string(reinterpret_cast<const char*>(allow), sizeof allow);
}

TEST_F(SecurityEscapeTest, PoisonedSeccompCacheIsNotLoaded) {
  std::string attacker_file = make_temp_dir("in-attacker") + "/filter";
  const char* ways[] = {"world-writable file", "file of another user", "symlink to another user's file",
                        "cache dir writable by others"};
  for (const char* way : ways) {
    SCOPED_TRACE(way);
    std::string cache = root_ + "/.seccomp-cache";
    remove_tree(cache);
    Bundle b(true);
    deny_mkdir(b);
    Result first = minirun({"run", "-b", b.dir(), "in-poison"});
    ASSERT_NE(first.code, 0) << "mkdir allowed: " << first.out;
    auto files = cache_files(cache);
    ASSERT_EQ(files.size(), 1u);
    std::string poisoned = allow_all_after_profile(read_text(files[0]));
    ASSERT_FALSE(poisoned.empty());
    std::string w = way;
    if (w == "world-writable file") {
      std::ofstream(files[0], std::ios::trunc) << poisoned;
      chmod(files[0].c_str(), 0666);
    } else if (w == "file of another user") {
      std::ofstream(files[0], std::ios::trunc) << poisoned;
      ASSERT_EQ(chown(files[0].c_str(), kAttacker, kAttacker), 0);
    } else if (w == "symlink to another user's file") {
      std::ofstream(attacker_file, std::ios::trunc) << poisoned;
      chown(attacker_file.c_str(), kAttacker, kAttacker);
      unlink(files[0].c_str());
      ASSERT_EQ(symlink(attacker_file.c_str(), files[0].c_str()), 0);
    } else {
      chmod(cache.c_str(), 0777);
      std::string planted = files[0] + ".planted";
      std::ofstream(planted) << poisoned;
      chown(planted.c_str(), kAttacker, kAttacker);
      ASSERT_EQ(rename(planted.c_str(), files[0].c_str()), 0);
    }
    Result second = minirun({"run", "-b", b.dir(), "in-poison"});
    EXPECT_NE(second.code, 0) << "the poisoned filter was loaded: " << second.out;
    EXPECT_EQ(second.out, "");
    expect_no_leftovers("in-poison");
  }
  remove_tree(attacker_file.substr(0, attacker_file.rfind('/')));
}

// ---- 6. a state root another user made ----------------------------------

// A process of `uid`, which we reap.
pid_t spawn_as(int uid, const std::vector<std::string>& cmd) {
  std::vector<std::string> argv = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid),
                                   "--clear-groups"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, "setpriv", nullptr, nullptr, args.data(), environ) != 0) return -1;
  return pid;
}

std::string stat_field22(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  size_t p = stat.rfind(')');
  if (p == std::string::npos) return "";
  std::istringstream in(stat.substr(p + 2));
  std::string f;
  for (int field = 3; field <= 22 && in >> f; ++field) {
  }
  return f;
}

Result as_victim(const std::vector<std::string>& args, const std::string& xdg) {
  std::vector<std::string> argv = {"setpriv", "--reuid=" + std::to_string(kVictim),
                                   "--regid=" + std::to_string(kVictim), "--clear-groups", "env"};
  if (xdg.empty()) {
    argv.push_back("-u");
    argv.push_back("XDG_RUNTIME_DIR");
  } else {
    argv.push_back("XDG_RUNTIME_DIR=" + xdg);
  }
  argv.push_back(MINIRUN_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST_F(SecurityEscapeTest, StateRootSquattedByAnotherUserIsRefused) {
  // The victim's sacrificial process, which the fake state names.
  pid_t sleeper = spawn_as(kVictim, {"sleep", "300"});
  ASSERT_GT(sleeper, 0);
  ASSERT_TRUE(wait_until([&] { return read_text("/proc/" + std::to_string(sleeper) + "/comm") == "sleep\n"; }));
  std::string marks = make_temp_dir("in-marks");
  ASSERT_EQ(chown(marks.c_str(), kVictim, kVictim), 0);
  std::string marker = marks + "/hook-ran";

  std::string squat = make_temp_dir("in-squat");
  std::string root = squat + "/minirun";
  std::string dir = root + "/in-victim";
  mkdir(root.c_str(), 0777);
  mkdir(dir.c_str(), 0777);
  Bundle b;
  b.config["hooks"]["poststop"] = {{{"path", "/bin/sh"}, {"args", {"sh", "-c", "touch " + marker}}}};
  write_json(dir + "/config.json", b.config);
  write_json(dir + "/state.json", {{"id", "in-victim"},
                                   {"pid", sleeper},
                                   {"start_time", std::stoull(stat_field22(sleeper))},
                                   {"bundle", b.dir()},
                                   {"rootfs", b.rootfs()},
                                   {"created", "2026-01-01T00:00:00.000000000Z"},
                                   {"owner", ""},
                                   {"poststop_hooks", true}});
  run_command({"chown", "-R", std::to_string(kAttacker) + ":" + std::to_string(kAttacker), squat});
  chmod(root.c_str(), 0777);
  chmod(dir.c_str(), 0777);
  chmod(squat.c_str(), 0755);

  Result kill = as_victim({"--root", root, "kill", "in-victim", "KILL"}, "");
  EXPECT_NE(kill.code, 0);
  EXPECT_NE(kill.err.find(root), std::string::npos) << kill.err;
  Result del = as_victim({"--root", root, "delete", "--force", "in-victim"}, "");
  EXPECT_NE(del.code, 0);
  EXPECT_NE(del.err.find(root), std::string::npos) << del.err;
  usleep(200 * 1000);
  EXPECT_EQ(waitpid(sleeper, nullptr, WNOHANG), 0) << "the victim's process was killed";
  EXPECT_FALSE(path_exists(marker)) << "the attacker's poststop hook ran as the victim";

  // Root refuses another user's root as well.
  Result as_root = minirun({"--root", root, "state", "in-victim"});
  EXPECT_EQ(as_root.code, 1);
  EXPECT_NE(as_root.err.find(root), std::string::npos) << as_root.err;

  ::kill(sleeper, SIGKILL);
  waitpid(sleeper, nullptr, 0);
  remove_tree(squat);
  remove_tree(marks);
}

TEST_F(SecurityEscapeTest, RootlessDefaultRootIsNeverShared) {
  if (path_exists("/run/user/" + std::to_string(kVictim))) GTEST_SKIP() << "/run/user/65534 exists";
  // Without XDG_RUNTIME_DIR the default was /tmp/minirun, which anyone can make first.
  Result r = as_victim({"state", "in-nodefault"}, "");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("XDG_RUNTIME_DIR"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("/tmp/minirun"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace minirun::test
