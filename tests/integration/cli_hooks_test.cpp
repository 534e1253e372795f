// Issue 5: OCI hooks.  Every kind runs with the state JSON on stdin, its
// args and env; a timeout kills the hook and fails the step; a failing
// prestart fails create and leaves nothing behind.
#include <signal.h>

#include <chrono>
#include <thread>

#include "harness.h"

namespace minirun::test {
namespace {

using nlohmann::json;

class CliHooksTest : public MinirunTest {
 protected:
  // A hook: /bin/sh (on the host and in the busybox rootfs) running script
  // with $0 = name, and env OUT (where to write) and MARK.
  static json hook(const std::string& name, const std::string& out_dir, const std::string& script,
                   std::optional<int> timeout = std::nullopt) {
    json h = {
        {"path", "/bin/sh"}, {"args", {"sh", "-c", script, name}}, {"env", {"OUT=" + out_dir, "MARK=env-of-" + name}}};
    if (timeout) h["timeout"] = *timeout;
    return h;
  }
  static std::string record() { return "cat > \"$OUT/$0.json\"; echo \"$MARK $#\" > \"$OUT/$0.env\""; }
  // A temp dir for the hooks' records, bound at /hookout in the container:
  // startContainer hooks run inside it.
  static std::string hook_out_dir(Bundle& b, const std::string& prefix) {
    std::string out = make_temp_dir(prefix);
    b.config["mounts"].push_back(
        {{"destination", "/hookout"}, {"type", "bind"}, {"source", out}, {"options", {"rbind", "rw"}}});
    return out;
  }
};

TEST_F(CliHooksTest, AllSixRunWithStateOnStdin) {
  Bundle b;
  std::string out = hook_out_dir(b, "minirun-hooks");
  b.set_args({"sleep", "1000"});
  auto& h = b.config["hooks"];
  h["prestart"] = {hook("prestart", out, record())};
  h["createRuntime"] = {hook("createRuntime", out, record())};
  h["createContainer"] = {hook("createContainer", out, record())};
  h["startContainer"] = {hook("startContainer", "/hookout", "sleep 0.3; " + record())};
  h["poststart"] = {hook("poststart", out, record())};
  h["poststop"] = {hook("poststop", out, record())};
  b.save();
  Result c = minirun({"create", "-b", b.dir(), "hooked"});
  ASSERT_EQ(c.code, 0) << c.err;
  int pid = json::parse(minirun({"state", "hooked"}).out)["pid"];
  for (const char* name : {"prestart", "createRuntime", "createContainer"}) {
    json s = json::parse(read_text(out + "/" + name + ".json"));
    EXPECT_EQ(s["id"], "hooked") << name;
    EXPECT_EQ(s["pid"], pid) << name;
    EXPECT_EQ(s["status"], "creating") << name;
    EXPECT_EQ(s["bundle"], b.dir()) << name;
    EXPECT_EQ(read_text(out + "/" + name + ".env"), std::string("env-of-") + name + " 0\n") << "args and env";
  }
  EXPECT_FALSE(path_exists(out + "/startContainer.json")) << "startContainer runs at start, not create";
  ASSERT_EQ(minirun({"start", "hooked"}).code, 0);
  // As runc, startContainer runs in the init after start has released it;
  // poststart only after the execve, so both are done when start returns.
  EXPECT_TRUE(path_exists(out + "/startContainer.env")) << "start returned before the process was executed";
  json sc = json::parse(read_text(out + "/startContainer.json"));
  EXPECT_EQ(sc["id"], "hooked");
  EXPECT_EQ(sc["status"], "created");
  EXPECT_EQ(read_text(out + "/startContainer.env"), "env-of-startContainer 0\n");
  json ps = json::parse(read_text(out + "/poststart.json"));
  EXPECT_EQ(ps["status"], "running");
  EXPECT_EQ(ps["pid"], pid);
  EXPECT_FALSE(path_exists(out + "/poststop.json"));
  ASSERT_EQ(minirun({"delete", "-f", "hooked"}).code, 0);
  json stop = json::parse(read_text(out + "/poststop.json"));
  EXPECT_EQ(stop["id"], "hooked");
  EXPECT_EQ(stop["status"], "stopped");
  expect_no_leftovers("hooked");
  remove_tree(out);
}

// `run` releases its init without the exec fifo: every hook still runs, in
// order, with the status runc gives it.
TEST_F(CliHooksTest, RunStartsAtOnceAndStillRunsEveryHook) {
  Bundle b;
  std::string out = hook_out_dir(b, "minirun-hooks-run");
  b.set_args({"sh", "-c", "echo container >> /hookout/order"});
  const std::string ordered = record() + "; echo $0 >> \"$OUT/order\"";
  auto& h = b.config["hooks"];
  for (const char* name : {"prestart", "createRuntime", "createContainer", "poststart", "poststop"})
    h[name] = {hook(name, out, ordered)};
  // A slow startContainer: poststart must still wait for the execve.
  h["startContainer"] = {hook("startContainer", "/hookout", "sleep 0.3; " + ordered)};
  b.save();
  Result r = minirun({"run", "-b", b.dir(), "runhooked"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<std::string> order = split_lines(read_text(out + "/order"));
  ASSERT_EQ(order.size(), 7u) << read_text(out + "/order");
  EXPECT_EQ(std::vector<std::string>(order.begin(), order.begin() + 4),
            (std::vector<std::string>{"prestart", "createRuntime", "createContainer", "startContainer"}));
  EXPECT_EQ(order.back(), "poststop");
  EXPECT_EQ(json::parse(read_text(out + "/startContainer.json"))["status"], "created");
  json ps = json::parse(read_text(out + "/poststart.json"));
  EXPECT_EQ(ps["status"], "running");
  EXPECT_EQ(ps["pid"], json::parse(read_text(out + "/prestart.json"))["pid"]);
  EXPECT_EQ(json::parse(read_text(out + "/poststop.json"))["status"], "stopped");
  expect_no_leftovers("runhooked");
  remove_tree(out);
}

// Hooks leave the runtime's signal dispositions alone: nothing ignored in
// the container (startContainer hooks run in its init) or in a later hook.
TEST_F(CliHooksTest, NoSignalIgnoredAfterHooks) {
  Bundle b;
  std::string out = hook_out_dir(b, "minirun-hooks-sig");
  b.set_args({"cat", "/proc/self/status"});
  const std::string sig = "exec grep SigIgn /proc/self/status > \"$OUT/$0.sig\"";
  auto& h = b.config["hooks"];
  h["prestart"] = {hook("prestart1", out, sig), hook("prestart2", out, sig)};
  h["startContainer"] = {hook("start", "/hookout", sig)};
  b.save();
  // As from a shell, with SIGPIPE at its default (the harness ignores it).
  Result r = run_command({PROBE_BIN, "sigdfl", MINIRUN_BIN, "--root", root_, "run", "-b", b.dir(), "hooksig"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("SigIgn:\t0000000000000000\n"), std::string::npos) << r.out;
  for (const char* name : {"prestart1", "prestart2"})
    EXPECT_EQ(read_text(out + "/" + name + ".sig"), "SigIgn:\t0000000000000000\n") << name;
  EXPECT_TRUE(path_exists(out + "/start.sig"));
  expect_no_leftovers("hooksig");
  remove_tree(out);
}

TEST_F(CliHooksTest, FailingPrestartFailsCreateAndLeavesNothing) {
  Bundle b;
  std::string out = make_temp_dir("minirun-hooks");
  b.set_args({"sleep", "1000"});
  b.config["hooks"]["prestart"] = {hook("ok", out, record()), hook("bad", out, "echo $$ > \"$OUT/bad.pid\"; exit 3")};
  b.config["hooks"]["poststart"] = {hook("never", out, record())};
  b.save();
  Result c = minirun({"create", "-b", b.dir(), "prefail"});
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("prestart"), std::string::npos) << c.err;
  EXPECT_NE(c.err.find("exit status 3"), std::string::npos) << c.err;
  EXPECT_TRUE(path_exists(out + "/ok.json")) << "hooks run in order";
  expect_no_leftovers("prefail");
  EXPECT_EQ(minirun({"list", "-q"}).out, "");
  EXPECT_FALSE(path_exists(out + "/never.json"));
  // The init it had forked is gone too.
  json ok = json::parse(read_text(out + "/ok.json"));
  std::string stat = read_text("/proc/" + std::to_string(ok["pid"].get<int>()) + "/stat");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "init left: " << stat;
  remove_tree(out);
}

TEST_F(CliHooksTest, TimeoutKillsTheHookAndFails) {
  Bundle b;
  std::string out = make_temp_dir("minirun-hooks");
  b.set_args({"true"});
  b.config["hooks"]["createRuntime"] = {hook("slow", out, "echo $$ > \"$OUT/slow.pid\"; exec sleep 30", 1)};
  b.save();
  auto t0 = std::chrono::steady_clock::now();
  Result c = minirun({"create", "-b", b.dir(), "slowhook"});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(c.code, 1);
  EXPECT_NE(c.err.find("timed out after 1s"), std::string::npos) << c.err;
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_GE(took, std::chrono::milliseconds(900));
  std::string pid = read_text(out + "/slow.pid");
  ASSERT_FALSE(pid.empty());
  pid.pop_back();
  std::string stat = read_text("/proc/" + pid + "/stat");
  EXPECT_TRUE(stat.empty() || stat.find(") Z") != std::string::npos) << "the hook was not killed: " << stat;
  expect_no_leftovers("slowhook");
  remove_tree(out);
}

TEST_F(CliHooksTest, FailingPoststartStopsTheContainerAndPoststopOnlyWarns) {
  Bundle b;
  std::string out = make_temp_dir("minirun-hooks");
  b.set_args({"sleep", "1000"});
  b.config["hooks"]["poststart"] = {hook("poststart", out, "exit 1")};
  b.config["hooks"]["poststop"] = {hook("poststop", out, "exit 2")};
  b.save();
  ASSERT_EQ(minirun({"create", "-b", b.dir(), "postfail"}).code, 0);
  Result s = minirun({"start", "postfail"});
  EXPECT_EQ(s.code, 1);
  EXPECT_NE(s.err.find("poststart"), std::string::npos) << s.err;
  EXPECT_EQ(status_of("postfail"), "stopped") << "runc kills the container when poststart fails, and waits";
  Result d = minirun({"delete", "postfail"});
  EXPECT_EQ(d.code, 0) << "a failing poststop is a warning: " << d.err;
  EXPECT_NE(d.err.find("poststop"), std::string::npos) << d.err;
  expect_no_leftovers("postfail");
  // `run` with a failing poststart returns an error and cleans up.
  Result r = minirun({"run", "-b", b.dir(), "postfail2"});
  EXPECT_EQ(r.code, 1) << r.err;
  expect_no_leftovers("postfail2");
  remove_tree(out);
}

}  // namespace
}  // namespace minirun::test
