#include "spec/json_reader.h"

#include <algorithm>

#include "spec/error.h"
#include "spec/strings.h"

namespace minirun::spec::detail {

using nlohmann::json;

// Every string reaches a syscall as a C string: a NUL would cut it short
// there (a path, an argument), so none is accepted anywhere.
static bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

void fail_at(const std::string& path, const std::string& cause) {
  throw Error(path.empty() ? cause : path + ": " + cause);
}

std::string member_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string element_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::optional<JsonNode> JsonNode::member(const char* key) const {
  expect_object();
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonNode(*it, member_path(path_, key));
}

JsonNode JsonNode::required(const char* key) const {
  if (auto m = member(key)) return *m;
  fail_at(member_path(path_, key), "must be set");
}

void JsonNode::expect_object() const {
  if (!value_->is_object()) fail_type("an object");
}

std::vector<JsonNode> JsonNode::elements() const {
  if (!value_->is_array()) fail_type("an array");
  std::vector<JsonNode> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) out.emplace_back((*value_)[i], element_path(path_, i));
  return out;
}

std::vector<std::pair<std::string, JsonNode>> JsonNode::entries() const {
  expect_object();
  std::vector<std::pair<std::string, JsonNode>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    if (has_nul(it.key())) fail("a key contains a NUL byte");
    // Keys may hold dots ("net.ipv4.ip_forward"), so they are quoted in the path.
    out.emplace_back(it.key(), JsonNode(it.value(), path_ + "[\"" + it.key() + "\"]"));
  }
  return out;
}

void JsonNode::fail_type(const char* expected) const {
  fail(std::string("expected ") + expected + ", got " + value_->type_name());
}

bool JsonNode::as_bool() const {
  if (!value_->is_boolean()) fail_type("a boolean");
  return value_->get<bool>();
}

std::string JsonNode::as_string() const {
  if (!value_->is_string()) fail_type("a string");
  const std::string& s = value_->get_ref<const std::string&>();
  if (has_nul(s)) fail("contains a NUL byte");
  return s;
}

uint32_t JsonNode::as_id() const { return static_cast<uint32_t>(as_unsigned(kMaxId)); }

std::vector<std::string> JsonNode::as_strings() const {
  // The element's path is only built for an error: a seccomp profile has
  // hundreds of names (element_path was 10% of a podman-profile parse).
  if (!value_->is_array()) fail_type("an array");
  std::vector<std::string> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    const nlohmann::json& e = (*value_)[i];
    if (e.is_string() && !has_nul(e.get_ref<const std::string&>())) {
      out.push_back(e.get_ref<const std::string&>());
    } else {
      out.push_back(JsonNode(e, element_path(path_, i)).as_string());
    }
  }
  return out;
}

std::map<std::string, std::string> JsonNode::as_string_map() const {
  std::map<std::string, std::string> out;
  for (const auto& [key, node] : entries()) out[key] = node.as_string();
  return out;
}

uint64_t JsonNode::as_unsigned(uint64_t max) const {
  if (value_->is_number_unsigned()) {
    uint64_t v = value_->get<uint64_t>();
    if (v > max) fail("value " + std::to_string(v) + " is out of range (max " + std::to_string(max) + ")");
    return v;
  }
  // A negative or fractional number is named by value, anything else by type.
  if (value_->is_number()) fail("expected an unsigned integer, got " + value_->dump());
  fail_type("an unsigned integer");
}

int64_t JsonNode::as_signed(int64_t min, int64_t max) const {
  if (value_->is_number_unsigned()) {
    uint64_t v = value_->get<uint64_t>();
    if (v > static_cast<uint64_t>(max)) {
      fail("value " + std::to_string(v) + " is out of range (max " + std::to_string(max) + ")");
    }
    return static_cast<int64_t>(v);
  }
  if (value_->is_number_integer()) {
    int64_t v = value_->get<int64_t>();
    if (v < min || v > max) {
      fail("value " + std::to_string(v) + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) +
           ")");
    }
    return v;
  }
  if (value_->is_number()) fail("expected an integer, got " + value_->dump());
  fail_type("an integer");
}

json parse_json_text(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann counts bytes read; the last one read is where parsing stopped.
    size_t stop = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + stop, '\n'));
    size_t line_start = text.rfind('\n', stop == 0 ? std::string::npos : stop - 1);
    line_start = (line_start == std::string::npos || stop == 0) ? 0 : line_start + 1;
    size_t column = stop - line_start + 1;
    // Keep nlohmann's reason ("syntax error while parsing ..."), drop its prefix.
    std::string reason = e.what();
    if (auto at = reason.find("parse error"); at != std::string::npos) {
      if (auto colon = reason.find(": ", at); colon != std::string::npos) reason = reason.substr(colon + 2);
    }
    throw Error("invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + reason);
  } catch (const json::exception& e) {
    // Not a syntax error but a value nlohmann cannot hold (out_of_range 406,
    // "number overflow parsing '1E999'"): no position is given.
    std::string reason = e.what();
    if (auto close = reason.find("] "); close != std::string::npos) reason = reason.substr(close + 2);
    throw Error("invalid JSON: " + reason);
  }
}

}  // namespace minirun::spec::detail
