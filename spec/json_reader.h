// Private to spec/: a typed view of a JSON value that knows its path in the
// document, so every type and range error names where it happened.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace minirun::spec::detail {

// Throws Error("path: cause"); the caller's label is prepended further up.
[[noreturn]] void fail_at(const std::string& path, const std::string& cause);

// "linux" + "namespaces" -> "linux.namespaces"; "" + "args" -> "args".
std::string member_path(const std::string& parent, const std::string& key);
// "linux.namespaces" + 3 -> "linux.namespaces[3]".
std::string element_path(const std::string& parent, size_t index);

class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const nlohmann::json& value() const { return *value_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& cause) const { fail_at(path_, cause); }

  // A member of this object; absent and null both mean "not set", as in Go.
  std::optional<JsonNode> member(const char* key) const;
  // Same, but an unset member is an error "path.key: must be set".
  JsonNode required(const char* key) const;

  // A uid or gid: an unsigned integer at most kMaxId.
  uint32_t as_id() const;

  std::vector<JsonNode> elements() const;                         // of an array
  std::vector<std::pair<std::string, JsonNode>> entries() const;  // of an object
  void expect_object() const;

  template <typename T>
  T as() const {
    if constexpr (std::is_same_v<T, bool>) {
      return as_bool();
    } else if constexpr (std::is_same_v<T, std::string>) {
      return as_string();
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      return as_strings();
    } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
      return as_string_map();
    } else if constexpr (std::is_unsigned_v<T>) {
      return static_cast<T>(as_unsigned(std::numeric_limits<T>::max()));
    } else {
      static_assert(std::is_signed_v<T>, "unsupported JSON target type");
      return static_cast<T>(as_signed(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    }
  }

  // Reads member `key` into `out` when it is set; leaves `out` alone otherwise.
  template <typename T>
  void read(const char* key, T& out) const {
    if (auto m = member(key)) out = m->template as<T>();
  }
  template <typename T>
  void read(const char* key, std::optional<T>& out) const {
    if (auto m = member(key)) out = m->template as<T>();
  }
  // Reads an array of objects, each through `parse_element(JsonNode)`.
  template <typename T, typename ParseElement>
  void read_list(const char* key, std::vector<T>& out, ParseElement parse_element) const {
    if (auto m = member(key)) {
      for (const JsonNode& e : m->elements()) out.push_back(parse_element(e));
    }
  }

 private:
  bool as_bool() const;
  std::string as_string() const;
  std::vector<std::string> as_strings() const;
  std::map<std::string, std::string> as_string_map() const;
  uint64_t as_unsigned(uint64_t max) const;
  int64_t as_signed(int64_t min, int64_t max) const;
  [[noreturn]] void fail_type(const char* expected) const;

  const nlohmann::json* value_;
  std::string path_;
};

// Parses text into JSON; a syntax error becomes "invalid JSON at line L, column C: why".
nlohmann::json parse_json_text(const std::string& text);

}  // namespace minirun::spec::detail
