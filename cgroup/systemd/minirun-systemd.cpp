// minirun-systemd: the D-Bus half of the systemd cgroup driver.  minirun
// (static, no libsystemd) decides the unit and its properties; this program
// only carries them to systemd with sd-bus and waits for the jobs.
//
//   minirun-systemd start   {"unit","slice","description","pid","properties"}
//   minirun-systemd set     {"unit","properties"}
//   minirun-systemd stop    {"unit"}
//
// The JSON comes on stdin; "properties" is a list of [name, signature, value]
// with signature one of b, t, s, ay, au, a(ss).  On failure one line on
// stderr, exit 1.
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(int r, const std::string& what) {
  if (r < 0) throw Failure(what + ": " + std::strerror(-r));
}

// Owns an sd_bus_message / sd_bus_error for the length of one call.
struct Message {
  sd_bus_message* m = nullptr;
  ~Message() { sd_bus_message_unref(m); }
};
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
};

// systemd's own socket when we may use it (root: no dbus-daemon needed, as
// runc does), else the system bus.
sd_bus* connect() {
  sd_bus* bus = nullptr;
  if (::geteuid() == 0 && ::access("/run/systemd/private", F_OK) == 0) {
    check(sd_bus_new(&bus), "sd_bus_new");
    if (sd_bus_set_address(bus, "unix:path=/run/systemd/private") >= 0 && sd_bus_start(bus) >= 0) return bus;
    sd_bus_unref(bus);
    bus = nullptr;
  }
  check(sd_bus_open_system(&bus), "connect to the system bus");
  return bus;
}

void append_property(sd_bus_message* m, const nlohmann::json& p) {
  const std::string name = p.at(0), sig = p.at(1);
  const nlohmann::json& v = p.at(2);
  const std::string what = "property " + name;
  check(sd_bus_message_open_container(m, 'r', "sv"), what);
  check(sd_bus_message_append(m, "s", name.c_str()), what);
  check(sd_bus_message_open_container(m, 'v', sig.c_str()), what);
  if (sig == "b") {
    check(sd_bus_message_append(m, "b", static_cast<int>(v.get<bool>())), what);
  } else if (sig == "t") {
    check(sd_bus_message_append(m, "t", v.get<uint64_t>()), what);
  } else if (sig == "s") {
    check(sd_bus_message_append(m, "s", v.get<std::string>().c_str()), what);
  } else if (sig == "ay") {
    std::string bytes;
    for (const auto& b : v) bytes.push_back(static_cast<char>(b.get<unsigned>()));
    check(sd_bus_message_append_array(m, 'y', bytes.data(), bytes.size()), what);
  } else if (sig == "au") {
    check(sd_bus_message_open_container(m, 'a', "u"), what);
    for (const auto& u : v) check(sd_bus_message_append(m, "u", u.get<uint32_t>()), what);
    check(sd_bus_message_close_container(m), what);
  } else if (sig == "a(ss)") {
    check(sd_bus_message_open_container(m, 'a', "(ss)"), what);
    for (const auto& pair : v)
      check(sd_bus_message_append(m, "(ss)", pair.at(0).get<std::string>().c_str(),
                                  pair.at(1).get<std::string>().c_str()),
            what);
    check(sd_bus_message_close_container(m), what);
  } else {
    throw Failure(what + ": unsupported D-Bus signature \"" + sig + "\"");
  }
  check(sd_bus_message_close_container(m), what);
  check(sd_bus_message_close_container(m), what);
}

void append_properties(sd_bus_message* m, const nlohmann::json& props) {
  check(sd_bus_message_open_container(m, 'a', "(sv)"), "properties");
  for (const auto& p : props) append_property(m, p);
  check(sd_bus_message_close_container(m), "properties");
}

// Waits for the JobRemoved signal of the job a call returned.
class JobWaiter {
 public:
  explicit JobWaiter(sd_bus* bus) : bus_(bus) {
    check(sd_bus_match_signal(bus, &slot_, kDest, kPath, kManager, "JobRemoved", &JobWaiter::on_removed, this),
          "subscribe to JobRemoved");
    BusError err;
    // The system bus delivers signals to matches; systemd's private socket
    // only to clients that subscribed.
    Message reply;
    sd_bus_call_method(bus, kDest, kPath, kManager, "Subscribe", &err.e, &reply.m, "");
  }
  ~JobWaiter() { sd_bus_slot_unref(slot_); }

  // Returns the job's result ("done", "failed", "canceled", ...).
  std::string wait(const std::string& job) {
    job_ = job;
    for (int i = 0; i < 600 && result_.empty(); ++i) {  // ~60 s
      int r = sd_bus_process(bus_, nullptr);
      check(r, "read from the bus");
      if (r > 0) continue;
      check(sd_bus_wait(bus_, 100000), "wait on the bus");
    }
    if (result_.empty()) throw Failure("job " + job + " did not finish within 60 s");
    return result_;
  }

 private:
  static int on_removed(sd_bus_message* m, void* self_ptr, sd_bus_error*) {
    auto* self = static_cast<JobWaiter*>(self_ptr);
    uint32_t id;
    const char *path, *unit, *result;
    if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
    // A job may finish before we know its path: keep every result seen.
    self->seen_[path] = result;
    if (!self->job_.empty() && self->seen_.count(self->job_)) self->result_ = self->seen_[self->job_];
    return 0;
  }

  sd_bus* bus_;
  sd_bus_slot* slot_ = nullptr;
  std::string job_, result_;
  std::map<std::string, std::string> seen_;

 public:
  // For a job path known after some signals were already processed.
  std::string seen(const std::string& job) const {
    auto it = seen_.find(job);
    return it == seen_.end() ? "" : it->second;
  }
};

std::string run_job(sd_bus* bus, JobWaiter& waiter, sd_bus_message* call, const std::string& what) {
  BusError err;
  Message reply;
  int r = sd_bus_call(bus, call, 0, &err.e, &reply.m);
  if (r < 0) throw Failure(what + ": " + (err.e.message ? err.e.message : std::strerror(-r)));
  const char* job;
  check(sd_bus_message_read(reply.m, "o", &job), what);
  std::string result = waiter.seen(job);
  return result.empty() ? waiter.wait(job) : result;
}

// A call of the Manager's `method` whose first two arguments are the unit
// and a job mode ("fail", "replace").
void new_job_call(sd_bus* bus, Message& call, const char* method, const std::string& unit, const char* mode) {
  check(sd_bus_message_new_method_call(bus, &call.m, kDest, kPath, kManager, method), method);
  check(sd_bus_message_append(call.m, "ss", unit.c_str(), mode), method);
}

// ResetFailedUnit, errors ignored: a failed unit stays loaded otherwise.
void reset_failed(sd_bus* bus, const std::string& unit) {
  BusError err;
  Message reply;
  sd_bus_call_method(bus, kDest, kPath, kManager, "ResetFailedUnit", &err.e, &reply.m, "s", unit.c_str());
}

void start(sd_bus* bus, const nlohmann::json& in) {
  const std::string unit = in.at("unit");
  JobWaiter waiter(bus);
  Message call;
  new_job_call(bus, call, "StartTransientUnit", unit, "fail");
  nlohmann::json props = in.value("properties", nlohmann::json::array());
  props.push_back({"Description", "s", in.value("description", "minirun container")});
  if (in.contains("slice")) props.push_back({"Slice", "s", in.at("slice")});
  props.push_back({"PIDs", "au", {in.at("pid").get<uint32_t>()}});
  append_properties(call.m, props);
  check(sd_bus_message_append(call.m, "a(sa(sv))", 0), "start " + unit);  // no auxiliary units
  std::string result = run_job(bus, waiter, call.m, "start " + unit);
  if (result != "done") {
    reset_failed(bus, unit);
    throw Failure("start " + unit + ": the job " + result);
  }
}

void set(sd_bus* bus, const nlohmann::json& in) {
  const std::string unit = in.at("unit");
  Message call;
  check(sd_bus_message_new_method_call(bus, &call.m, kDest, kPath, kManager, "SetUnitProperties"), "set " + unit);
  check(sd_bus_message_append(call.m, "sb", unit.c_str(), 1), "set " + unit);  // runtime: gone at reboot
  append_properties(call.m, in.at("properties"));
  BusError err;
  Message reply;
  int r = sd_bus_call(bus, call.m, 0, &err.e, &reply.m);
  if (r < 0) throw Failure("set properties of " + unit + ": " + (err.e.message ? err.e.message : std::strerror(-r)));
}

void stop(sd_bus* bus, const nlohmann::json& in) {
  const std::string unit = in.at("unit");
  JobWaiter waiter(bus);
  Message call;
  new_job_call(bus, call, "StopUnit", unit, "replace");
  try {
    run_job(bus, waiter, call.m, "stop " + unit);
  } catch (const Failure& e) {
    // Already gone (a scope goes by itself once its last process exits).
    if (!std::strstr(e.what(), "not loaded")) throw;
  }
  reset_failed(bus, unit);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string verb = argc == 2 ? argv[1] : "";
  try {
    if (verb != "start" && verb != "set" && verb != "stop")
      throw Failure("usage: minirun-systemd start|set|stop < request.json");
    nlohmann::json in = nlohmann::json::parse(std::cin);
    sd_bus* bus = connect();
    if (verb == "start") start(bus, in);
    if (verb == "set") set(bus, in);
    if (verb == "stop") stop(bus, in);
    sd_bus_flush_close_unref(bus);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
