// `resume`: thaw a paused container's cgroup.
#include "cgroup/cgroup.h"
#include "runtime/cli/cli.h"

namespace minirun::runtime::cli {

void add_resume(CLI::App& app, Globals& g, Action& action) {
  static std::string resume_id;
  auto* resume = app.add_subcommand("resume", "resume all processes of a paused container");
  resume->add_option("container-id", resume_id, "container id")->required();
  resume->callback([&] {
    action = [&] {
      return with_command_context("resume " + resume_id, [&] {
        auto store = g.store();
        auto lock = store.lock(resume_id);
        auto st = store.load(resume_id);
        auto cg = running_cgroup(store, st);
        if (current_status(store, st) != Status::paused) throw Error("container not paused");
        cg->thaw();
        return 0;
      });
    };
  });
}

}  // namespace minirun::runtime::cli
