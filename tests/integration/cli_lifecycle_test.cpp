// Issue 5: the runc command line, one lifecycle test per command and flag,
// with runc 1.1.5's messages and exit codes on the error paths.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cgroup_helpers.h"
#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

class CliLifecycleTest : public MinirunTest {
 protected:
  // A container whose init sleeps; created, not started.
  void create_sleeper(Bundle& b, const std::string& id, const std::vector<std::string>& extra = {}) {
    b.set_args({"sleep", "1000"});
    std::vector<std::string> args = {"create", "-b", b.dir()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(id);
    Result r = minirun(args);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  bool wait_status(const std::string& id, const std::string& want, int ms = 20000) {
    return wait_until([&] { return status_of(id) == want; }, ms);
  }
  json state(const std::string& id) {
    Result r = minirun({"state", id});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.code == 0 ? json::parse(r.out) : json{};
  }
};

TEST_F(CliLifecycleTest, CreatedRunningStoppedThenGone) {
  Bundle b;
  std::string pid_file = b.dir() + "/init.pid";
  create_sleeper(b, "life", {"--pid-file", pid_file});
  json s = state("life");
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["id"], "life");
  EXPECT_EQ(s["bundle"], b.dir());
  EXPECT_EQ(s["ociVersion"], "1.0.2-dev");
  int pid = s["pid"];
  ASSERT_GT(pid, 0);
  EXPECT_EQ(read_text(pid_file), std::to_string(pid)) << "--pid-file holds the init's pid";
  // The init waits before the entrypoint: no sleep has run yet.
  EXPECT_EQ(read_text("/proc/" + std::to_string(pid) + "/comm").find("sleep"), std::string::npos);

  Result start = minirun({"start", "life"});
  ASSERT_EQ(start.code, 0) << start.err;
  EXPECT_EQ(state("life")["status"], "running");
  // As runc's, start returns once the init is released, before its execve.
  const std::string comm = "/proc/" + std::to_string(pid) + "/comm";
  wait_until([&] { return read_text(comm) == "sleep\n"; });
  EXPECT_EQ(read_text(comm), "sleep\n");

  Result again = minirun({"start", "life"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("cannot start an already running container"), std::string::npos) << again.err;

  Result del = minirun({"delete", "life"});
  EXPECT_EQ(del.code, 1) << "delete of a running container needs --force";
  EXPECT_NE(del.err.find("cannot delete container life that is not stopped: running"), std::string::npos) << del.err;

  ASSERT_EQ(minirun({"kill", "life", "KILL"}).code, 0);
  ASSERT_TRUE(wait_status("life", "stopped"));
  EXPECT_EQ(state("life")["pid"], 0) << "a stopped container reports pid 0, as runc";

  Result kill = minirun({"kill", "life", "KILL"});
  EXPECT_EQ(kill.code, 1);
  EXPECT_NE(kill.err.find("container not running"), std::string::npos) << kill.err;
  Result restart = minirun({"start", "life"});
  EXPECT_EQ(restart.code, 1);
  EXPECT_NE(restart.err.find("cannot start a container that has stopped"), std::string::npos) << restart.err;
  Result exec = minirun({"exec", "life", "true"});
  EXPECT_EQ(exec.code, 255) << "runc exits 255 when exec cannot start";
  EXPECT_NE(exec.err.find("cannot exec in a stopped container"), std::string::npos) << exec.err;

  Result gone = minirun({"delete", "life"});
  EXPECT_EQ(gone.code, 0) << gone.err;
  expect_no_leftovers("life");
  Result st = minirun({"state", "life"});
  EXPECT_EQ(st.code, 1);
  EXPECT_NE(st.err.find("container does not exist"), std::string::npos) << st.err;
}

TEST_F(CliLifecycleTest, UnknownIdFailsEverywhereButForcedDelete) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"state", "nope"},
                                       {"start", "nope"},
                                       {"kill", "nope"},
                                       {"delete", "nope"},
                                       {"pause", "nope"},
                                       {"resume", "nope"},
                                       {"ps", "nope"},
                                       {"update", "--pids-limit", "10", "nope"},
                                       {"events", "--stats", "nope"}}) {
    Result r = minirun(cmd);
    EXPECT_EQ(r.code, 1) << cmd[0];
    EXPECT_NE(r.err.find("container does not exist"), std::string::npos) << cmd[0] << ": " << r.err;
  }
  Result exec = minirun({"exec", "nope", "true"});
  EXPECT_EQ(exec.code, 255);
  EXPECT_NE(exec.err.find("container does not exist"), std::string::npos) << exec.err;
  // containerd's shim deletes with --force after the container is gone.
  Result forced = minirun({"delete", "--force", "nope"});
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(minirun({"delete", "-f", "nope"}).code, 0);
  Result bad = minirun({"state", "bad/id"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("invalid container id format"), std::string::npos) << bad.err;
}

TEST_F(CliLifecycleTest, DuplicateIdIsRefusedAndLeavesTheFirstAlone) {
  Bundle b;
  create_sleeper(b, "dup");
  int pid = state("dup")["pid"];
  Result r = minirun({"create", "-b", b.dir(), "dup"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("container with id exists: dup"), std::string::npos) << r.err;
  json s = state("dup");
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["pid"], pid);
  EXPECT_EQ(minirun({"start", "dup"}).code, 0) << "the first container still starts";
  EXPECT_EQ(minirun({"delete", "--force", "dup"}).code, 0);
  expect_no_leftovers("dup");
}

TEST_F(CliLifecycleTest, DeleteForceKillsRunningAndPausedContainers) {
  Bundle b;
  create_sleeper(b, "forced");
  ASSERT_EQ(minirun({"start", "forced"}).code, 0);
  ASSERT_EQ(minirun({"pause", "forced"}).code, 0);
  EXPECT_EQ(status_of("forced"), "paused");
  Result again = minirun({"pause", "forced"});
  EXPECT_EQ(again.code, 1) << "runc refuses to pause a paused container";
  EXPECT_NE(again.err.find("container not running"), std::string::npos) << again.err;
  Result d = minirun({"delete", "forced"});
  EXPECT_EQ(d.code, 1);
  EXPECT_NE(d.err.find("that is not stopped: paused"), std::string::npos) << d.err;
  auto t0 = std::chrono::steady_clock::now();
  Result f = minirun({"delete", "-f", "forced"});
  EXPECT_EQ(f.code, 0) << f.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "a frozen init must die at once";
  expect_no_leftovers("forced");
  // A created (never started) container is deleted without --force, as runc.
  create_sleeper(b, "created");
  int pid = state("created")["pid"];
  EXPECT_EQ(minirun({"delete", "created"}).code, 0);
  EXPECT_FALSE(path_exists("/proc/" + std::to_string(pid) + "/comm") &&
               read_text("/proc/" + std::to_string(pid) + "/stat").find(") Z") == std::string::npos)
      << "the blocked init was killed";
  expect_no_leftovers("created");
}

TEST_F(CliLifecycleTest, RecycledPidReadsAsStopped) {
  Bundle b;
  create_sleeper(b, "recycled");
  // Same pid, another start time: what a recycled pid looks like.
  std::string path = root_ + "/recycled/state.json";
  json st = json::parse(read_text(path));
  const pid_t init = st["pid"].get<pid_t>();
  st["start_time"] = st["start_time"].get<uint64_t>() + 1;
  std::ofstream(path) << st.dump();
  json s = state("recycled");
  EXPECT_EQ(s["status"], "stopped");
  EXPECT_EQ(s["pid"], 0);
  Result k = minirun({"kill", "recycled", "KILL"});
  EXPECT_EQ(k.code, 1) << "never signal a process that is not the container's";
  EXPECT_NE(k.err.find("container not running"), std::string::npos) << k.err;
  // A pid that no longer exists at all.
  st["pid"] = 0x3ffffff;
  std::ofstream(path) << st.dump();
  EXPECT_EQ(status_of("recycled"), "stopped");
  EXPECT_EQ(minirun({"delete", "recycled"}).code, 0);
  // Nothing proves the process still in its cgroup is the container's:
  // delete leaves it, and the cgroup holding it, alone.
  EXPECT_EQ(::kill(init, 0), 0) << "delete signalled a process it cannot tell is the container's";
  ::kill(init, SIGKILL);
  for (const auto& d : existing_cgroup_dirs("recycled"))
    EXPECT_TRUE(wait_until([&] { return ::rmdir(d.c_str()) == 0 || errno == ENOENT; }, 5000)) << d;
  expect_no_leftovers("recycled");
}

TEST_F(CliLifecycleTest, KillSignalForms) {
  Bundle b;
  // Without a pid namespace the init is not pid 1, so default actions apply.
  auto& nss = b.config["linux"]["namespaces"];
  for (auto it = nss.begin(); it != nss.end(); ++it)
    if ((*it)["type"] == "pid") {
      nss.erase(it);
      break;
    }
  b.save();
  struct Case {
    std::vector<std::string> args;
    bool dies;
  };
  int n = 0;
  for (const Case& c : {Case{{}, true},  // default TERM
                        Case{{"KILL"}, true},
                        Case{{"SIGKILL"}, true},
                        Case{{"9"}, true},
                        Case{{"sigterm"}, true},
                        Case{{"0"}, false},  // a probe: succeeds, nothing happens
                        Case{{"SIGCONT"}, false}}) {
    std::string id = "sig" + std::to_string(n++);
    create_sleeper(b, id);
    ASSERT_EQ(minirun({"start", id}).code, 0);
    std::vector<std::string> args = {"kill", id};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Result r = minirun(args);
    EXPECT_EQ(r.code, 0) << r.err;
    if (c.dies) {
      EXPECT_TRUE(wait_status(id, "stopped")) << (c.args.empty() ? "TERM" : c.args[0]);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      EXPECT_EQ(status_of(id), "running") << c.args[0];
    }
    EXPECT_EQ(minirun({"delete", "-f", id}).code, 0);
  }
  create_sleeper(b, "badsig");
  for (const char* bad : {"BOGUS", "SIGNOPE", "-3", "99999"}) {
    Result r = minirun({"kill", "badsig", bad});
    EXPECT_EQ(r.code, 1) << bad;
    EXPECT_FALSE(r.err.empty()) << bad;
  }
  Result r = minirun({"kill", "badsig", "BOGUS"});
  EXPECT_NE(r.err.find("unknown signal \"BOGUS\""), std::string::npos) << r.err;
  EXPECT_EQ(status_of("badsig"), "created");
}

TEST_F(CliLifecycleTest, KillAllReachesExecdProcesses) {
  Bundle b;
  create_sleeper(b, "all");
  ASSERT_EQ(minirun({"start", "all"}).code, 0);
  ASSERT_EQ(minirun({"exec", "-d", "all", "sleep", "999"}).code, 0);
  ASSERT_EQ(minirun({"exec", "-d", "all", "sleep", "998"}).code, 0);
  Result ps = minirun({"ps", "--format", "json", "all"});
  ASSERT_EQ(ps.code, 0) << ps.err;
  auto pids = json::parse(ps.out);
  ASSERT_EQ(pids.size(), 3u) << ps.out;
  EXPECT_EQ(pids[0], state("all")["pid"]);
  Result table = minirun({"ps", "all"});
  EXPECT_NE(table.out.find("sleep 999"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("PID"), std::string::npos) << table.out;
  Result custom = minirun({"ps", "all", "-o", "pid,args"});
  ASSERT_EQ(custom.code, 0) << custom.err;
  EXPECT_EQ(split_lines(custom.out).size(), 4u) << "header + 3: " << custom.out;
  EXPECT_EQ(custom.out.find("UID"), std::string::npos) << "ps got -o: " << custom.out;

  ASSERT_EQ(minirun({"kill", "--all", "all", "KILL"}).code, 0);
  ASSERT_TRUE(wait_status("all", "stopped"));
  for (auto& p : pids) {
    std::string stat = read_text("/proc/" + std::to_string(p.get<int>()) + "/stat");
    EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "pid " << p << " survived kill --all";
  }
  Result empty = minirun({"ps", "-f", "json", "all"});
  EXPECT_EQ(json::parse(empty.out).size(), 0u) << empty.out;
}

TEST_F(CliLifecycleTest, ListTableJsonQuiet) {
  Bundle b;
  create_sleeper(b, "lista");
  create_sleeper(b, "listb");
  ASSERT_EQ(minirun({"start", "listb"}).code, 0);
  Result q = minirun({"list", "-q"});
  EXPECT_EQ(q.out, "lista\nlistb\n");
  Result j = minirun({"list", "--format=json"});
  ASSERT_EQ(j.code, 0) << j.err;
  auto arr = json::parse(j.out);
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr[0]["id"], "lista");
  EXPECT_EQ(arr[0]["status"], "created");
  EXPECT_EQ(arr[1]["status"], "running");
  EXPECT_EQ(arr[1]["owner"], "root");
  // runc's field order.
  EXPECT_EQ(j.out.find("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"lista\",\"pid\":"), 1u) << j.out;
  Result t = minirun({"list"});
  auto lines = split_lines(t.out);
  ASSERT_EQ(lines.size(), 3u) << t.out;
  EXPECT_EQ(lines[0].rfind("ID          PID         STATUS      BUNDLE", 0), 0u) << lines[0];
  EXPECT_NE(lines[2].find("running"), std::string::npos);
}

TEST_F(CliLifecycleTest, PauseResumeAndExecIntoPaused) {
  Bundle b;
  create_sleeper(b, "paused");
  ASSERT_EQ(minirun({"start", "paused"}).code, 0);
  ASSERT_EQ(minirun({"pause", "paused"}).code, 0);
  EXPECT_EQ(status_of("paused"), "paused");
  Result e = minirun({"exec", "paused", "true"});
  EXPECT_EQ(e.code, 255);
  EXPECT_NE(e.err.find("cannot exec in a paused container (use --ignore-paused to override)"), std::string::npos)
      << e.err;
  // With --ignore-paused the process joins the frozen cgroup and runs once
  // the container is resumed.
  std::string out_file = root_ + "/ignore-paused.out";
  Result bg;
  std::thread t([&] { bg = minirun({"exec", "--ignore-paused", "paused", "echo", "ran after resume"}, "", 20); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(bg.code, -1) << "the exec must wait while the container is frozen";
  ASSERT_EQ(minirun({"resume", "paused"}).code, 0);
  t.join();
  EXPECT_EQ(bg.code, 0) << bg.err;
  EXPECT_EQ(bg.out, "ran after resume\n");
  EXPECT_EQ(status_of("paused"), "running");
  Result r = minirun({"resume", "paused"});
  EXPECT_EQ(r.code, 1) << "resume of a running container fails, as runc";
  EXPECT_NE(r.err.find("not paused"), std::string::npos) << r.err;
}

TEST_F(CliLifecycleTest, ExecFlags) {
  Bundle b;
  b.config["process"]["noNewPrivileges"] = false;
  create_sleeper(b, "ex");
  ASSERT_EQ(minirun({"start", "ex"}).code, 0);
  Result r = minirun({"exec", "-e", "FOO=bar", "--env=BAZ=qux", "-u", "1000:1000", "--cwd", "/tmp", "-g", "10", "-g",
                      "20", "ex", "probe", "report"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(field(r.out, "uid"), "1000");
  EXPECT_EQ(field(r.out, "gid"), "1000");
  EXPECT_EQ(field(r.out, "groups"), "10,20");
  EXPECT_EQ(field(r.out, "cwd"), "/tmp");
  EXPECT_EQ(field(r.out, "pid"), "2") << "exec joins the container's pid namespace";
  Result env = minirun({"exec", "-e", "FOO=bar", "--env=BAZ=qux", "ex", "probe", "env"});
  EXPECT_NE(env.out.find("FOO=bar\n"), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("BAZ=qux\n"), std::string::npos) << env.out;
  Result named = minirun({"exec", "--user", "tester", "ex", "id", "-un"});
  EXPECT_EQ(named.out, "tester\n") << named.err;

  // Everything after the id is the command, its own flags included.
  Result sh = minirun({"exec", "ex", "sh", "-c", "printf '%s %s\\n' \"$0\" -c; exit 42", "-e"});
  EXPECT_EQ(sh.code, 42) << sh.err;
  EXPECT_EQ(sh.out, "-e -c\n");

  auto status_line = [&](const std::vector<std::string>& flags, const std::string& key) {
    std::vector<std::string> args = {"exec"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"ex", "grep", key, "/proc/self/status"});
    Result g = minirun(args);
    EXPECT_EQ(g.code, 0) << g.err;
    return g.out;
  };
  EXPECT_NE(status_line({}, "NoNewPrivs").find("\t0"), std::string::npos);
  EXPECT_NE(status_line({"--no-new-privs"}, "NoNewPrivs").find("\t1"), std::string::npos);
  // CAP_SYS_ADMIN is bit 21 (0x200000): not in the default set, added by -c.
  auto capeff = [](const std::string& line) { return std::stoull(line.substr(line.find('\t') + 1), nullptr, 16); };
  EXPECT_EQ(capeff(status_line({}, "CapEff")) & (1ull << 21), 0u);
  EXPECT_NE(capeff(status_line({"-c", "CAP_SYS_ADMIN"}, "CapEff")) & (1ull << 21), 0u);
  EXPECT_NE(capeff(status_line({"--cap=CAP_SYS_ADMIN"}, "CapBnd")) & (1ull << 21), 0u);

  // -p process.json replaces the process entirely.
  std::string pj = b.dir() + "/process.json";
  std::ofstream(pj) << json{{"args", {"sh", "-c", "echo $X $(id -u) $(pwd); exit 7"}},
                            {"env", {"PATH=/bin", "X=fromjson"}},
                            {"cwd", "/home"},
                            {"user", {{"uid", 65534}, {"gid", 65534}}}}
                           .dump();
  Result p = minirun({"exec", "-p", pj, "ex"});
  EXPECT_EQ(p.code, 7) << p.err;
  EXPECT_EQ(p.out, "fromjson 65534 /home\n");

  // -d returns at once; --pid-file names the exec'd process, seen inside.
  std::string pid_file = b.dir() + "/exec.pid";
  auto t0 = std::chrono::steady_clock::now();
  Result d = minirun({"exec", "-d", "--pid-file", pid_file, "ex", "sleep", "30"});
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  std::string pid = read_text(pid_file);
  ASSERT_FALSE(pid.empty());
  EXPECT_EQ(read_text("/proc/" + pid + "/comm"), "sleep\n");
  Result ps = minirun({"ps", "-f", "json", "ex"});
  EXPECT_NE(ps.out.find(pid), std::string::npos) << "the exec'd process is in the container's cgroup: " << ps.out;

  Result missing = minirun({"exec", "ex", "/no/such/binary"});
  EXPECT_EQ(missing.code, 255);
  EXPECT_NE(missing.err.find("/no/such/binary"), std::string::npos) << missing.err;
  Result noargs = minirun({"exec", "ex"});
  EXPECT_EQ(noargs.code, 255);
  EXPECT_NE(noargs.err.find("args must not be empty"), std::string::npos) << noargs.err;
  // exec into a created container works, as runc.
  create_sleeper(b, "ex-created");
  EXPECT_EQ(minirun({"exec", "ex-created", "true"}).code, 0);
}

TEST_F(CliLifecycleTest, PreserveFdsReachTheContainer) {
  Bundle b;
  std::string data = b.dir() + "/data.txt";
  std::ofstream(data) << "through fd 3\n";
  b.set_args({"sh", "-c", "cat <&3 || exit 9; ls /proc/self/fd | sort -n | tr '\\n' ' '"});
  // The shell opens fd 3 without close-on-exec; minirun must pass it on.
  std::string cmd = "exec 3<" + data + "; exec " MINIRUN_BIN " --root " + root_ + " run --preserve-fds 1 -b " +
                    b.dir() + " pfds";
  Result r = run_command({"sh", "-c", cmd});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 13), "through fd 3\n");
  EXPECT_NE(r.out.find("0 1 2 3 "), std::string::npos) << r.out;
  // Without --preserve-fds the fd does not reach the container.
  std::string plain = "exec 3<" + data + "; exec " MINIRUN_BIN " --root " + root_ + " run -b " + b.dir() + " pfds";
  Result n = run_command({"sh", "-c", plain});
  EXPECT_NE(n.code, 0);
  EXPECT_EQ(n.out.find("through fd 3"), std::string::npos);
  expect_no_leftovers("pfds");

  // exec --preserve-fds likewise.
  create_sleeper(b, "pfexec");
  std::string ex = "exec 3<" + data + "; exec " MINIRUN_BIN " --root " + root_ +
                   " exec --preserve-fds 1 pfexec sh -c 'cat <&3'";
  Result e = run_command({"sh", "-c", ex});
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.out, "through fd 3\n");
}

TEST_F(CliLifecycleTest, LogFileJsonAndVersion) {
  std::string log = root_ + "/minirun.log";
  Result r = minirun({"--log", log, "--log-format", "json", "state", "nope"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("container does not exist"), std::string::npos) << "errors also reach stderr";
  auto lines = split_lines(read_text(log));
  ASSERT_EQ(lines.size(), 1u) << read_text(log);
  json l = json::parse(lines[0]);
  EXPECT_EQ(l["level"], "error");
  EXPECT_NE(l["msg"].get<std::string>().find("container does not exist: nope"), std::string::npos);
  EXPECT_EQ(l["time"].get<std::string>().size(), 30u) << l["time"];  // 2026-01-02T03:04:05.123456789Z
  // The --flag=value form, text format: logrus-like key=value lines.
  std::string text_log = root_ + "/text.log";
  minirun({"--log=" + text_log, "kill", "nope"});
  std::string t = read_text(text_log);
  EXPECT_NE(t.find("level=error msg=\"kill nope: container does not exist: nope\""), std::string::npos) << t;
  // No --log: JSON on stderr, as runc.
  Result j = minirun({"--log-format=json", "state", "nope"});
  EXPECT_EQ(json::parse(split_lines(j.err).at(0))["level"], "error") << j.err;
  // A parse error is logged too.
  std::string parse_log = root_ + "/parse.log";
  Result p = minirun({"--log", parse_log, "--log-format", "json", "kill"});
  EXPECT_EQ(p.code, 1);
  EXPECT_NE(read_text(parse_log).find("\"level\":\"error\""), std::string::npos) << read_text(parse_log);

  for (const char* flag : {"-v", "--version"}) {
    Result v = run_command({MINIRUN_BIN, flag});
    EXPECT_EQ(v.code, 0);
    EXPECT_EQ(v.out.rfind("minirun version ", 0), 0u) << v.out;
    EXPECT_NE(v.out.find("\nspec: 1.0.2-dev\n"), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("\nlibseccomp: 2."), std::string::npos) << v.out;
  }
  // Accepted by every command, as runc's; only create/run use it
  // (tests/integration/systemd_cgroup_test.cpp).
  EXPECT_EQ(minirun({"--systemd-cgroup", "list", "-q"}).code, 0);
  EXPECT_EQ(minirun({"--criu", "/usr/sbin/criu", "--rootless", "false", "list", "-q"}).code, 0);
  Result unknown = minirun({"frobnicate"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_FALSE(unknown.err.empty());
}

TEST_F(CliLifecycleTest, GoStyleFlagsAsEnginesAndScriptsWriteThem) {
  Bundle b;
  b.set_args({"sleep", "1000"});
  // Single-dash long flags, -flag=value, repeated globals: the last wins.
  Result c = run_command({MINIRUN_BIN, "--root", "/nonexistent/never", "-root", root_, "create", "-bundle=" + b.dir(),
                          "goflags"});
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(status_of("goflags"), "created");
  EXPECT_FALSE(path_exists("/nonexistent/never"));
  Result d = minirun({"delete", "-f=false", "goflags"});
  EXPECT_EQ(d.code, 0) << "a created container is deleted without force: " << d.err;
  expect_no_leftovers("goflags");
  create_sleeper(b, "goflags2");
  ASSERT_EQ(minirun({"start", "goflags2"}).code, 0);
  EXPECT_EQ(minirun({"delete", "--force=false", "goflags2"}).code, 1);
  EXPECT_EQ(minirun({"delete", "-force", "goflags2"}).code, 0);
  expect_no_leftovers("goflags2");
}

TEST_F(CliLifecycleTest, RunDetachKeepAndBadConfig) {
  Bundle b;
  b.set_args({"sh", "-c", "exit 5"});
  Result keep = minirun({"run", "--keep", "-b", b.dir(), "kept"});
  EXPECT_EQ(keep.code, 5) << keep.err;
  EXPECT_EQ(status_of("kept"), "stopped") << "--keep leaves the stopped container";
  EXPECT_EQ(minirun({"delete", "kept"}).code, 0);
  expect_no_leftovers("kept");

  b.set_args({"sleep", "1000"});
  std::string pid_file = b.dir() + "/run.pid";
  Result d = minirun({"run", "-d", "--pid-file", pid_file, "-b", b.dir(), "detached"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(status_of("detached"), "running");
  EXPECT_EQ(read_text(pid_file), std::to_string(state("detached")["pid"].get<int>()));
  EXPECT_EQ(minirun({"delete", "-f", "detached"}).code, 0);
  expect_no_leftovers("detached");

  // A missing entrypoint fails at create (engines report 127 from it).
  b.set_args({"/no/such/entrypoint"});
  Result missing = minirun({"create", "-b", b.dir(), "noentry"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("/no/such/entrypoint"), std::string::npos) << missing.err;
  EXPECT_EQ(split_lines(missing.err).size(), 1u) << "one line: " << missing.err;
  expect_no_leftovers("noentry");
  // A bad config fails at create and leaves nothing.
  b.config["process"]["cwd"] = "relative";
  b.save();
  Result bad = minirun({"create", "-b", b.dir(), "badcfg"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("process.cwd"), std::string::npos) << bad.err;
  expect_no_leftovers("badcfg");
  Result nobundle = minirun({"create", "-b", b.dir() + "/missing", "nobundle"});
  EXPECT_EQ(nobundle.code, 1);
  EXPECT_NE(nobundle.err.find(b.dir() + "/missing"), std::string::npos) << nobundle.err;
  expect_no_leftovers("nobundle");
}

TEST_F(CliLifecycleTest, UpdateEventsSpecFeatures) {
  Bundle b;
  create_sleeper(b, "upd");
  ASSERT_EQ(minirun({"start", "upd"}).code, 0);
  ASSERT_EQ(minirun({"update", "--pids-limit", "42", "upd"}).code, 0);
  Result ev = minirun({"events", "--stats", "upd"});
  ASSERT_EQ(ev.code, 0) << ev.err;
  json e = json::parse(ev.out);
  EXPECT_EQ(e["type"], "stats");
  EXPECT_EQ(e["id"], "upd");
  EXPECT_EQ(e["data"]["pids"]["limit"], 42);
  EXPECT_GE(e["data"]["pids"]["current"], 1);
  Result upd = minirun({"update", "-r", "-", "upd"}, R"({"pids": {"limit": 43}})");
  ASSERT_EQ(upd.code, 0) << upd.err;
  EXPECT_EQ(json::parse(minirun({"events", "--stats", "upd"}).out)["data"]["pids"]["limit"], 43);
  // Beyond the limit, forks fail inside.
  ASSERT_EQ(minirun({"update", "--pids-limit", "2", "upd"}).code, 0);
  Result fork = minirun({"exec", "upd", "sh", "-c", "sleep 1 & sleep 1 & wait"});
  EXPECT_NE(fork.code, 0) << "pids.max 2 must stop the third and fourth process";

  std::string dir = make_temp_dir("minirun-spec");
  Result s = run_command({MINIRUN_BIN, "spec", "--bundle", dir});
  EXPECT_EQ(s.code, 0) << s.err;
  json cfg = json::parse(read_text(dir + "/config.json"));
  EXPECT_EQ(cfg["ociVersion"], "1.0.2-dev");
  EXPECT_EQ(cfg["process"]["args"], json({"sh"}));
  Result again = run_command({MINIRUN_BIN, "spec", "-b", dir});
  EXPECT_EQ(again.code, 1) << "an existing config.json is never overwritten";
  EXPECT_NE(again.err.find("exists"), std::string::npos);
  remove_tree(dir);

  Result f = run_command({MINIRUN_BIN, "features"});
  ASSERT_EQ(f.code, 0);
  json feat = json::parse(f.out);
  EXPECT_EQ(feat["hooks"].size(), 6u);
  EXPECT_NE(f.out.find("tmpcopyup"), std::string::npos);
  EXPECT_TRUE(feat["linux"]["seccomp"]["enabled"].get<bool>());
}

}  // namespace
}  // namespace minirun::test
