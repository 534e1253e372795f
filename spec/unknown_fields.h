// config.json keeps members the runtime spec does not define (engines add
// their own, and runc ignores them), but a near-miss of a defined name is
// a typo worth a warning.  Found only when asked for: create asks, the
// commands that re-read a saved config do not.
#pragma once

#include <string>
#include <vector>

#include "spec/spec.h"

namespace minirun::spec {

// parse_spec(), and one line per member the spec does not define inside an
// object it does, with the closest defined name:
// "config.json: process.termnial: unknown field (did you mean \"terminal\"?)".
Spec parse_spec(const std::string& text, const std::string& label, std::vector<std::string>& warnings);

}  // namespace minirun::spec
