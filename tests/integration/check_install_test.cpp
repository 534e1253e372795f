// Issue 20: `minirun check` against this host's real answers (each found
// here another way: the tools a user would try), and the install: `cmake
// --install` puts minirun, minirun(8) and the bash completion in place.
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

class CheckTest : public MinirunTest {};

// "✓ name: detail" lines of `minirun check` -> name -> ok.
std::map<std::string, bool> check_lines(const std::string& out) {
  std::map<std::string, bool> m;
  for (const auto& line : split_lines(out)) {
    bool ok = line.rfind("\u2713 ", 0) == 0;
    EXPECT_TRUE(ok || line.rfind("\u2717 ", 0) == 0) << line;
    size_t start = std::string("\u2713 ").size();
    m[line.substr(start, line.find(": ") - start)] = ok;
  }
  return m;
}

bool shell_ok(const std::string& cmd) { return run_command({"sh", "-c", cmd}).code == 0; }

TEST_F(CheckTest, AnswersAsThisHostDoes) {
  Result r = minirun({"check"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;  // a root test VM has all that run needs
  auto got = check_lines(r.out);
  std::string mountinfo = read_text("/proc/self/mountinfo");
  bool v1 = mountinfo.find(" - cgroup ") != std::string::npos;
  bool v2 = mountinfo.find(" - cgroup2 ") != std::string::npos;
  std::string layout = v1 && v2 ? "hybrid" : v2 ? "v2" : "v1";
  EXPECT_NE(r.out.find("\u2713 cgroup layout: " + layout + "\n"), std::string::npos) << r.out;
  if (v1) {
    for (const char* c : {"memory", "pids", "cpu", "devices", "freezer"}) {
      bool mounted = path_exists(std::string("/sys/fs/cgroup/") + c);
      EXPECT_EQ(got["cgroup v1 " + std::string(c)], mounted) << c;
    }
  }
  EXPECT_EQ(got["user namespaces"], shell_ok("unshare -U true"));
  EXPECT_EQ(got["unprivileged user namespaces"], shell_ok("setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true"));
  EXPECT_EQ(got["overlayfs"], read_text("/proc/filesystems").find("\toverlay\n") != std::string::npos);
  EXPECT_EQ(got["time namespaces"], shell_ok("unshare -T true"));
  EXPECT_EQ(got["seccomp SECCOMP_RET_USER_NOTIF"],
            read_text("/proc/sys/kernel/seccomp/actions_avail").find("user_notif") != std::string::npos);
  EXPECT_EQ(got["veth"], shell_ok("unshare -n ip link add ux-check0 type veth peer name ux-check1"));
  EXPECT_EQ(got["bridge"], shell_ok("unshare -n ip link add ux-check2 type bridge"));
  if (access("/usr/sbin/nft", X_OK) == 0) {
    EXPECT_EQ(got["nftables"], shell_ok("unshare -n /usr/sbin/nft list tables"));
  }
  for (const char* name : {"mount, uts, ipc, pid and network namespaces", "openat2", "clone3 with CLONE_INTO_CGROUP",
                           "idmapped mounts", "seccomp", "overlayfs in a user namespace"})
    EXPECT_EQ(got.count(name), 1u) << name << " missing from:\n" << r.out;
  // A failed one says what stops working.
  for (const auto& line : split_lines(r.out))
    if (line.rfind("\u2717 ", 0) == 0) {
      EXPECT_TRUE(line.find(" -- without it: ") != std::string::npos || line.find(" -- run cannot work") != std::string::npos)
          << line;
    }

  Result j = minirun({"check", "--format", "json"});
  EXPECT_EQ(j.code, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["usable"], true);
  ASSERT_EQ(doc["checks"].size(), got.size());
  for (const auto& c : doc["checks"]) EXPECT_EQ(c["ok"].get<bool>(), got[c["name"].get<std::string>()]) << c.dump();
}

// In a user namespace whose mount namespace limit is 0 (a limit of that
// namespace only), the namespaces every run needs cannot be made: exit 1.
TEST_F(CheckTest, ExitsOneWhenRunCannotWork) {
  if (!shell_ok("unshare -Ur true")) GTEST_SKIP() << "no user namespaces here";
  Result r = run_command({"unshare", "-Ur", "sh", "-c",
                          "echo 0 >/proc/sys/user/max_mnt_namespaces && exec \"$0\" check", MINIRUN_BIN});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\u2717 mount, uts, ipc, pid and network namespaces: unshare: No space left on device -- run "
                       "cannot work\n"),
            std::string::npos)
      << r.out;
}

TEST(Install, CmakeInstallPutsBinaryManPageAndCompletionInPlace) {
  std::string prefix = make_temp_dir("ux-install");
  Result i = run_command({"cmake", "--install", BUILD_DIR, "--prefix", prefix});
  ASSERT_EQ(i.code, 0) << i.err;
  std::string bin = prefix + "/bin/minirun";
  EXPECT_EQ(run_command({bin, "--version"}).out, run_command({MINIRUN_BIN, "--version"}).out);
  // The man page: every command and every flag of minirun --help, and every annotation of README.md.
  Result man = run_command({"zcat", prefix + "/share/man/man8/minirun.8.gz"});
  ASSERT_EQ(man.code, 0) << man.err;
  EXPECT_EQ(man.out.rfind(".TH MINIRUN 8", 0), 0u) << man.out.substr(0, 200);
  auto escaped = [](std::string s) {
    std::string out;
    for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
  };
  std::string help = run_command({MINIRUN_BIN, "--help"}).out;
  size_t commands = 0;
  bool in_commands = false;
  for (const auto& line : split_lines(help)) {
    if (line == "Subcommands:") in_commands = true;
    if (!in_commands || line.rfind("  ", 0) != 0) continue;
    std::string cmd = line.substr(2, line.find(' ', 2) - 2);
    ++commands;
    EXPECT_NE(man.out.find("\n.SS " + cmd + "\n"), std::string::npos) << cmd;
    for (const auto& l : split_lines(run_command({MINIRUN_BIN, cmd, "--help"}).out)) {
      if (l.rfind("  -", 0) != 0) continue;
      std::string flags = l.substr(2, l.find(' ', 2) - 2);
      std::string last = flags.substr(flags.rfind(',') == std::string::npos ? 0 : flags.rfind(',') + 1);
      EXPECT_NE(man.out.find(escaped(last)), std::string::npos) << cmd << " " << last;
    }
  }
  EXPECT_GE(commands, 16u) << help;
  std::ifstream readme(SOURCE_DIR "/README.md");
  size_t annotations = 0;
  for (std::string line; std::getline(readme, line);) {
    if (line.rfind("| `run.minirun.", 0) != 0) continue;
    ++annotations;
    std::string key = line.substr(3, line.find('`', 3) - 3);
    EXPECT_NE(man.out.find("\\fB" + escaped(key) + "\\fR"), std::string::npos) << key;
  }
  EXPECT_GE(annotations, 8u);
  // The completion completes from the installed binary.
  std::string comp = prefix + "/share/bash-completion/completions/minirun";
  ASSERT_TRUE(path_exists(comp));
  Result c = run_command({"bash", "-c",
                          "PATH=\"$1/bin:$PATH\"; source \"$2\"; COMP_WORDS=(minirun run --deta); COMP_CWORD=2; _minirun; "
                          "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(minirun che); COMP_CWORD=1; _minirun; "
                          "echo \"${COMPREPLY[*]}\"",
                          "bash", prefix, comp});
  EXPECT_EQ(c.out, "--detach\ncheck\n") << c.err;
  remove_tree(prefix);
}

}  // namespace
}  // namespace minirun::test
