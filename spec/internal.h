// Private to spec/: what the parse, validate and name files share.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/json_reader.h"
#include "spec/spec.h"

namespace minirun::spec::detail {

// Name tables (names.cpp).
std::optional<NamespaceType> namespace_type_from_name(const std::string& name);
std::optional<int> rlimit_resource_from_name(const std::string& name);

// Object readers (parse_process.cpp, parse_linux.cpp).  They check JSON types,
// ranges and required members; meaning is checked by the validators below.
Process read_process(const JsonNode& node);
Resources read_resources(const JsonNode& node);
Linux read_linux(const JsonNode& node);

// "process.termnial: unknown field (did you mean \"terminal\"?)" for each
// member the spec does not define in an object it does (known_fields.cpp).
void find_unknown_members(const nlohmann::json& doc, std::vector<std::string>& warnings);

// Validators (validate.cpp, validate_linux.cpp); `where` is the JSON path
// prefix of the object ("" at the top level).
void validate_spec(const Spec& spec);
void validate_resources(const Resources& r, const std::string& where);
void validate_linux(const Spec& spec);

inline bool is_absolute_path(const std::string& path) { return !path.empty() && path[0] == '/'; }
inline std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// Fails at `path` with `unknown <what> "value"` unless value is one of `known`.
void check_one_of(const std::string& path, const std::string& value, std::initializer_list<std::string_view> known,
                  const char* what);
// "0-3,7": the cpu and memory-node list format of cpuset and sched_setaffinity.
bool is_cpu_list(const std::string& list);

}  // namespace minirun::spec::detail
