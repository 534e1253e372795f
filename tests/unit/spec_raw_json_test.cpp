// spec/raw_json: linux.seccomp's bytes found without parsing, and a config
// with them cut out that parses to the same everything else.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "spec/error.h"
#include "spec/raw_json.h"
#include "spec/spec.h"

namespace minirun::spec {
namespace {

using nlohmann::json;

std::string member(const std::string& text) {
  auto span = find_json_member(text, {"linux", "seccomp"});
  return span ? text.substr(span->first, span->second - span->first) : "<none>";
}

TEST(RawJson, FindsTheExactBytesInAnyLayout) {
  json seccomp = {{"defaultAction", "SCMP_ACT_ERRNO"},
                  {"syscalls", {{{"names", {"a{", "b]\"}"}}, {"action", "SCMP_ACT_ALLOW"}}}}};
  json doc = {{"ociVersion", "1.0.2"},
              {"annotations", {{"x", "\"seccomp\": {"}}},
              {"linux", {{"namespaces", json::array()}, {"seccomp", seccomp}, {"sysctl", {{"a", "}"}}}}}};
  for (int indent : {-1, 0, 2, 8}) {
    std::string text = doc.dump(indent);
    std::string raw = member(text);
    ASSERT_NE(raw, "<none>") << text;
    EXPECT_EQ(json::parse(raw), seccomp) << indent;
    EXPECT_EQ(raw.front(), '{');
    EXPECT_EQ(raw.back(), '}');
  }
  EXPECT_EQ(member(R"({"linux":{"seccomp":null}})"), "null");
  EXPECT_EQ(member(R"( { "linux" : { "a" : [1, {"seccomp": 2}], "seccomp" : {"b":"\\"} } } )"), R"({"b":"\\"})");
  // A NUL byte inside a skipped value does not end the scan there (it
  // searches with strcspn, which stops at one).
  const char with_nul[] = "{\"linux\": {\"a\": [1,\0 {\"seccomp\": 2}], \"seccomp\": {\"k\": [1]}}}";
  EXPECT_EQ(member(std::string(with_nul, sizeof with_nul - 1)), "{\"k\": [1]}");
}

TEST(RawJson, DeclinesWhatTheParserMightReadOtherwise) {
  for (const char* text : {
           R"({})",
           R"({"linux": {}})",
           R"({"linux": []})",
           R"({"linux": {"seccomp": {}}, "linux": {"seccomp": {"x": 1}}})",  // the parser takes the last
           R"({"linux": {"seccomp": {}, "seccomp": {"x": 1}}})",
           R"({"linux": {"secc\u006fmp": {}}})",
           R"({"li\u006eux": {"seccomp": {}}})",
           R"({"linux": {"seccomp": {"a": "unterminated}})",
           R"({"linux": {"seccomp": {"a": 1})",
           R"({"linux" {"seccomp": {}}})",
           R"({"linux": {"seccomp": {}}, ,,x})",
           R"([{"linux": {"seccomp": {}}}])",
           "",
       })
    EXPECT_EQ(member(text), "<none>") << text;
}

TEST(RawJson, CuttingTheSectionKeepsTheRestAndItsErrorPositions) {
  std::string text = default_spec_json(false);
  json doc = json::parse(text);
  doc["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                             {"syscalls", {{{"names", {"reboot"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  for (int indent : {-1, 4}) {
    text = doc.dump(indent);
    auto span = find_json_member(text, {"linux", "seccomp"});
    ASSERT_TRUE(span);
    json cut = json::parse(null_json_span(text, *span));
    EXPECT_TRUE(cut["linux"]["seccomp"].is_null());
    json want = doc;
    want["linux"]["seccomp"] = nullptr;
    EXPECT_EQ(cut, want);
    EXPECT_FALSE(parse_spec(null_json_span(text, *span)).linux.seccomp);
    // A syntax error inside a later member (the scan skips values, the
    // parser reads them) is reported where it is.
    std::string broken = text;
    broken.insert(broken.find('{', broken.find("\"process\"")) + 1, indent < 0 ? ",,x" : "\n  ,,x");
    ASSERT_TRUE(find_json_member(broken, {"linux", "seccomp"}));
    std::string want_error, got_error;
    try {
      parse_spec(broken);
    } catch (const Error& e) {
      want_error = e.what();
    }
    try {
      parse_spec(null_json_span(broken, *find_json_member(broken, {"linux", "seccomp"})));
    } catch (const Error& e) {
      got_error = e.what();
    }
    EXPECT_NE(want_error.find("line"), std::string::npos) << want_error;
    EXPECT_EQ(got_error, want_error);
  }
}

}  // namespace
}  // namespace minirun::spec
