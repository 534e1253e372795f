#include <cstdio>
#include <cstring>

#include "runtime/cli/cli.h"
#include "runtime/sealed_self.h"

// The commands whose clones enter a container.
static bool enters_a_container(const char* command) {
  return command && (!std::strcmp(command, "create") || !std::strcmp(command, "run") || !std::strcmp(command, "exec"));
}

int main(int argc, char** argv) {
  if (enters_a_container(minirun::runtime::cli::command_word(argc, argv))) {
    try {
      minirun::runtime::run_from_sealed_binary(argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minirun: %s\n", e.what());
      return 1;
    }
  }
  return minirun::runtime::cli::main(argc, argv);
}
