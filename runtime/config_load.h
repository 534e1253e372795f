// How create reads config.json: parse_spec_and_seccomp() (seccomp/seccomp.h) plus
// the warnings about members the spec does not define, which create
// prints.  The other commands re-read the saved config without them.
#pragma once

#include <string>
#include <vector>

#include "runtime/seccomp/seccomp.h"

namespace minirun::runtime {

spec::Spec parse_config_for_create(const std::string& config_text, const std::string& cache_dir,
                                   SeccompProgram& seccomp, std::vector<std::string>& warnings);

}  // namespace minirun::runtime
