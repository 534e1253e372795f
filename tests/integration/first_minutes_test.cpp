// Issue 20: what a newcomer meets first, run as they would type it: the
// help, the errors that say what to do, a tty without a terminal, typos in
// config.json, `minirun check` and the install.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

class FirstMinutesTest : public MinirunTest {
 protected:
  void SetUp() override {
    MinirunTest::SetUp();
    scratch_ = make_temp_dir("ux-first");
  }
  void TearDown() override {
    remove_tree(scratch_);
    MinirunTest::TearDown();
  }
  // `cd dir && minirun --root ROOT args...`
  Result minirun_in(const std::string& dir, const std::vector<std::string>& args, const std::string& stdin_from = "") {
    std::string cmd = "cd \"$1\" && shift && exec \"$@\"";
    if (!stdin_from.empty()) cmd += " <" + stdin_from;
    std::vector<std::string> argv = {"sh", "-c", cmd, "sh", dir, MINIRUN_BIN, "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }
  std::string scratch_;
};

TEST_F(FirstMinutesTest, HelpExplainsBundlesDefaultsAndPositionals) {
  Result bare = minirun({});
  EXPECT_EQ(bare.code, 0) << bare.err;
  EXPECT_EQ(bare.err, "");
  EXPECT_NE(bare.out.find("A bundle is a directory holding config.json (the OCI runtime spec) and the root filesystem it\n"
                          "names (root.path, usually rootfs/); `minirun spec` writes a config.json, `minirun run DIR/` "
                          "runs one.\n"),
            std::string::npos)
      << bare.out;
  EXPECT_NE(bare.out.find("root directory for storage of container state (default: /run/minirun; rootless: "
                          "$XDG_RUNTIME_DIR/minirun)"),
            std::string::npos)
      << bare.out;
  EXPECT_NE(bare.out.find("  check "), std::string::npos) << bare.out;
  // Every command that takes words after its flags shows them.
  const std::pair<const char*, const char*> usages[] = {
      {"create", "container-id"}, {"start", "container-id"},  {"run", "container-id"},
      {"state", "container-id"},  {"kill", "container-id [signal]"}, {"delete", "container-id..."},
      {"ps", "container-id [ps options]"}, {"exec", "container-id command [args...]"},
      {"pause", "container-id"},  {"resume", "container-id"}, {"events", "container-id"},
      {"update", "container-id"}};
  for (const auto& [cmd, words] : usages) {
    Result h = minirun({cmd, "--help"});
    EXPECT_NE(h.out.find(std::string("Usage: minirun ") + cmd + " [OPTIONS] " + words + "\n"), std::string::npos)
        << h.out;
  }
}

TEST_F(FirstMinutesTest, MisplacedAndMisspeltFlagsSayWhatToType) {
  Result global = minirun({"run", "--root", "/tmp/x", "ux-c"});
  EXPECT_EQ(global.code, 1);
  EXPECT_EQ(global.err,
            "minirun: run: --root is a global flag; global flags go before the command: minirun --root VALUE run ...\n");
  Result debug = minirun({"delete", "--debug", "ux-c"});
  EXPECT_EQ(debug.err, "minirun: delete: --debug is a global flag; global flags go before the command: minirun --debug "
                       "delete ...\n");
  Result typo = minirun({"run", "--detatch", "-b", scratch_, "ux-c"});
  EXPECT_EQ(typo.code, 1);
  EXPECT_EQ(typo.err, "minirun: run: unknown flag --detatch (did you mean --detach?)\n");
  Result far = minirun({"kill", "--frobnicate", "ux-c"});
  EXPECT_EQ(far.err, "minirun: kill: unknown flag --frobnicate (minirun kill --help lists the flags)\n");
  EXPECT_TRUE(split_lines(minirun({"list", "-q"}).out).empty()) << "nothing was created";
}

TEST_F(FirstMinutesTest, ErrorsNameTheBundleProblem) {
  Result none = minirun_in(scratch_, {"run", "nonexistent/"});
  EXPECT_EQ(none.code, 1);
  EXPECT_EQ(none.err, "minirun: run nonexistent/: no bundle at nonexistent/: no such directory\n");
  ASSERT_EQ(mkdir((scratch_ + "/empty").c_str(), 0755), 0);
  Result empty = minirun_in(scratch_, {"run", "empty/"});
  EXPECT_EQ(empty.err, "minirun: run empty/: no bundle at empty/: it has no config.json (`minirun spec` there writes one)\n");

  // `minirun run mybox` beside a bundle named mybox, and with -b of a dir without one.
  Bundle b;
  b.set_args({"true"});
  ASSERT_EQ(symlink(b.dir().c_str(), (scratch_ + "/ux-mybox").c_str()), 0);
  Result id_only = minirun_in(scratch_, {"run", "ux-mybox"});
  EXPECT_EQ(id_only.code, 1);
  EXPECT_EQ(id_only.err, "minirun: run ux-mybox: no config.json in the current directory " + scratch_ +
                             ": give the bundle with -b DIR, or run it as: minirun run ux-mybox/\n");
  Result created = minirun_in(scratch_, {"create", "ux-c"});
  EXPECT_EQ(created.err, "minirun: create ux-c: no config.json in the current directory " + scratch_ +
                             ": give the bundle with -b DIR\n");
  Result with_b = minirun({"run", "-b", scratch_ + "/empty", "ux-c"});
  EXPECT_EQ(with_b.err, "minirun: run ux-c: no config.json in the bundle " + scratch_ +
                            "/empty (-b): `minirun spec` there writes one\n");
  Result no_dir = minirun({"run", "-b", scratch_ + "/nope", "ux-c"});
  EXPECT_EQ(no_dir.err, "minirun: run ux-c: the bundle " + scratch_ + "/nope (-b) is not a directory\n");
  Result path_form = minirun_in(scratch_, {"run", "ux-mybox/"});
  EXPECT_EQ(path_form.code, 0) << path_form.err;

  // A rootfs that is not there.
  b.config["root"]["path"] = "rootfs";
  b.save();
  Result no_rootfs = minirun({"run", "-b", b.dir(), "ux-norootfs"});
  EXPECT_EQ(no_rootfs.code, 1);
  EXPECT_EQ(no_rootfs.err, "minirun: run ux-norootfs: config.json: root.path: " + b.dir() +
                               "/rootfs does not exist: the bundle needs the container's root filesystem there\n");
  expect_no_leftovers("ux-norootfs");
}

TEST_F(FirstMinutesTest, DeleteOfARunningContainerSuggestsForce) {
  Bundle b;
  b.set_args({"sleep", "1000"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "ux-running"}).code, 0);
  Result d = minirun({"delete", "ux-running"});
  EXPECT_EQ(d.code, 1);
  EXPECT_EQ(d.err, "minirun: delete ux-running: cannot delete container ux-running that is not stopped: running "
                   "(minirun delete --force ux-running kills it first)\n");
  EXPECT_EQ(minirun({"delete", "--force", "ux-running"}).code, 0);
  expect_no_leftovers("ux-running");
}

// A user without privileges and a config without a user namespace: clone
// is refused, and the message says why and what to run instead.
TEST_F(FirstMinutesTest, UnprivilegedRunSaysWhatIsMissing) {
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv (util-linux)";
  Bundle b(true);  // its own rootfs, which uid 65534 can reach
  b.set_args({"true"});
  b.config["linux"].erase("resources");
  b.config["linux"]["cgroupsPath"] = "";
  b.save();
  std::string root = scratch_ + "/state";
  ASSERT_EQ(mkdir(root.c_str(), 0700), 0);
  ASSERT_EQ(chown(root.c_str(), 65534, 65534), 0);
  ASSERT_EQ(chmod(scratch_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(b.dir().c_str(), 0755), 0);
  Result r = run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", MINIRUN_BIN, "--root", root,
                          "run", "-b", b.dir(), "ux-user"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "minirun: run ux-user: the container init: clone: Operation not permitted: new namespaces need "
                   "root, or a user namespace mapping your uid; for a container of your own run `minirun spec "
                   "--rootless`\n");
  EXPECT_FALSE(path_exists(root + "/ux-user"));
}

// process.terminal true (minirun spec's default) with a stdin that cannot
// type: refused at once, under script(1) (a terminal on stdout) too.
TEST_F(FirstMinutesTest, TerminalWithoutATtyOnStdinFailsFast) {
  Bundle b;
  b.config["process"]["args"] = {"sh"};
  b.config["process"]["terminal"] = true;
  b.save();
  const std::string want =
      "process.terminal is true but stdin is not a terminal: set \"terminal\": false in config.json, or use -d with "
      "--console-socket";
  auto start = std::chrono::steady_clock::now();
  Result piped = minirun({"run", "-b", b.dir(), "ux-tty"}, "", 5);
  EXPECT_EQ(piped.code, 1);
  EXPECT_EQ(piped.err, "minirun: run ux-tty: " + want + "\n");
  expect_no_leftovers("ux-tty");
  if (access("/usr/bin/script", X_OK) == 0) {
    std::string cmd = std::string(MINIRUN_BIN) + " --root " + root_ + " run -b " + b.dir() + " ux-tty </dev/null";
    Result under_script = run_command({"script", "-qec", cmd, "/dev/null"}, "", 5);
    EXPECT_EQ(under_script.code, 1) << under_script.out;
    EXPECT_NE(under_script.out.find("minirun: run ux-tty: " + want), std::string::npos) << under_script.out;
    expect_no_leftovers("ux-tty");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // exec -t without a terminal, in a running container.
  b.set_args({"sleep", "1000"});
  ASSERT_EQ(minirun({"run", "-d", "-b", b.dir(), "ux-tty2"}).code, 0);
  Result e = minirun({"exec", "-t", "ux-tty2", "sh"}, "", 5);
  EXPECT_EQ(e.code, 255);
  EXPECT_EQ(e.err, "minirun: exec ux-tty2: a tty was asked for (-t or process.terminal) but stdin is not a terminal: "
                   "drop -t, or use -d with --console-socket\n");
}

TEST_F(FirstMinutesTest, UnknownConfigFieldsWarnWithTheClosestName) {
  Bundle b;
  b.set_args({"sh", "-c", "hostname"});
  b.config["process"]["termnial"] = false;
  b.config["hostnmae"] = "typo";
  b.config["linux"]["resources"]["memroy"] = {{"limit", 1 << 30}};
  b.config["io.example.engine"] = "its own";
  b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"architecturs", {"SCMP_ARCH_X86_64"}}};
  b.save();
  const std::vector<std::string> want = {
      "config.json: process.termnial: unknown field (did you mean \"terminal\"?)",
      "config.json: hostnmae: unknown field (did you mean \"hostname\"?)",
      "config.json: linux.resources.memroy: unknown field (did you mean \"memory\"?)",
      "config.json: io.example.engine: unknown field",
      "config.json: linux.seccomp.architecturs: unknown field (did you mean \"architectures\"?)"};
  // Twice: the second run would find a cached seccomp filter, if any were kept.
  for (int round = 0; round < 2; ++round) {
    Result r = minirun({"run", "-b", b.dir(), "ux-typo"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "runc\n") << "the config is still accepted (minirun spec's hostname)";
    std::vector<std::string> lines = split_lines(r.err);
    EXPECT_EQ(lines.size(), want.size()) << r.err;
    for (const auto& w : want)
      EXPECT_NE(std::find(lines.begin(), lines.end(), "minirun: " + w), lines.end()) << w << "\nin:\n" << r.err;
  }
  Result j = minirun({"--log-format", "json", "run", "-b", b.dir(), "ux-typo"});
  EXPECT_EQ(j.code, 0) << j.err;
  std::vector<std::string> lines = split_lines(j.err);
  ASSERT_EQ(lines.size(), want.size()) << j.err;
  for (const auto& line : lines) {
    json w = json::parse(line);
    EXPECT_EQ(w["level"], "warning") << line;
    EXPECT_NE(std::find(want.begin(), want.end(), w["msg"].get<std::string>()), want.end()) << line;
  }
  // A config without typos says nothing.
  Bundle clean;
  clean.set_args({"true"});
  EXPECT_EQ(minirun({"run", "-b", clean.dir(), "ux-clean"}).err, "");
}

}  // namespace
}  // namespace minirun::test
