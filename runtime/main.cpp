#include "runtime/cli/cli.h"

int main(int argc, char** argv) { return minirun::runtime::cli::main(argc, argv); }
