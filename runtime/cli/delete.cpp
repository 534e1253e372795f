// `delete`: a stopped container's resources go (--force: a running one's too).
#include "runtime/cli/cli.h"
#include "runtime/launcher.h"

namespace minirun::runtime::cli {

CLI::App* DeleteFlags::declare(CLI::App& app) {
  auto* cmd = app.add_subcommand("delete", "delete a container and the resources it holds");
  cmd->add_flag("-f,--force", force, "kill the container if it is still running (with SIGKILL)");
  cmd->add_option("container-id", ids, "container id")->required();
  return cmd;
}

namespace {

int delete_one(const StateStore& store, const std::string& id, bool force) {
  validate_id(id);
  if (!store.exists(id)) {
    // containerd's shim deletes with --force after the container is gone.
    if (force) {
      store.remove_dir(id);
      return 0;
    }
    throw Error("container does not exist: " + id, ENOENT);
  }
  auto lock = store.lock(id);
  ContainerState st;
  try {
    st = store.load(id);
  } catch (const Error& e) {
    if (!force || e.error_number() != EUCLEAN) throw;
    destroy_torn_container(store, id);
    return 0;
  }
  Status s = current_status(store, st);
  if ((s == Status::running || s == Status::paused || s == Status::creating) && !force)
    throw Error("cannot delete container " + id + " that is not stopped: " + status_name(s) +
                " (minirun delete --force " + id + " kills it first)");
  destroy_container(store, st);
  return 0;
}

}  // namespace

int delete_command(const Globals& g, DeleteFlags& f) {
  auto store = g.store();
  for (const auto& id : f.ids) with_command_context("delete " + id, [&] { return delete_one(store, id, f.force); });
  return 0;
}

}  // namespace minirun::runtime::cli
