// config.json -> Spec: the entry points and the top-level objects.
#include <cerrno>

#include "spec/files.h"
#include "spec/internal.h"
#include "spec/unknown_fields.h"

namespace minirun::spec {

using detail::JsonNode;
using detail::member_path;

namespace {

Root read_root(const JsonNode& node) {
  Root root;
  root.path = node.required("path").as<std::string>();
  if (root.path.empty()) detail::fail_at(member_path(node.path(), "path"), "must not be empty");
  node.read("readonly", root.readonly);
  return root;
}

// Mount and hook paths are checked in validate.cpp; here only their JSON shape.
Mount read_mount(const JsonNode& node) {
  Mount m;
  m.destination = node.required("destination").as<std::string>();
  node.read("type", m.type);
  node.read("source", m.source);
  node.read("options", m.options);
  return m;
}

Hook read_hook(const JsonNode& node) {
  Hook h;
  h.path = node.required("path").as<std::string>();
  node.read("args", h.args);
  node.read("env", h.env);
  node.read("timeout", h.timeout);
  return h;
}

Hooks read_hooks(const JsonNode& node) {
  Hooks hooks;
  node.read_list("prestart", hooks.prestart, read_hook);
  node.read_list("createRuntime", hooks.create_runtime, read_hook);
  node.read_list("createContainer", hooks.create_container, read_hook);
  node.read_list("startContainer", hooks.start_container, read_hook);
  node.read_list("poststart", hooks.poststart, read_hook);
  node.read_list("poststop", hooks.poststop, read_hook);
  return hooks;
}

Spec read_spec(const JsonNode& top) {
  top.expect_object();
  Spec spec;
  spec.oci_version = top.required("ociVersion").as<std::string>();
  if (spec.oci_version.empty()) detail::fail_at("ociVersion", "must not be empty");
  if (auto process = top.member("process")) spec.process = detail::read_process(*process);
  spec.root = read_root(top.required("root"));
  top.read("hostname", spec.hostname);
  top.read("domainname", spec.domainname);
  top.read_list("mounts", spec.mounts, read_mount);
  if (auto hooks = top.member("hooks")) spec.hooks = read_hooks(*hooks);
  top.read("annotations", spec.annotations);
  if (auto linux_node = top.member("linux")) spec.linux = detail::read_linux(*linux_node);
  return spec;
}

}  // namespace

Spec parse_spec(const std::string& text, const std::string& label) {
  return with_context(label, [&] {
    nlohmann::json doc = detail::parse_json_text(text);
    Spec spec = read_spec(JsonNode(doc, ""));
    detail::validate_spec(spec);
    return spec;
  });
}

Spec parse_spec(const std::string& text, const std::string& label, std::vector<std::string>& warnings) {
  return with_context(label, [&] {
    nlohmann::json doc = detail::parse_json_text(text);
    Spec spec = read_spec(JsonNode(doc, ""));
    detail::validate_spec(spec);
    size_t first = warnings.size();
    detail::find_unknown_members(doc, warnings);
    for (size_t i = first; i < warnings.size(); ++i) warnings[i] = label + ": " + warnings[i];
    return spec;
  });
}

Spec load_spec(const std::string& bundle_dir) {
  std::string path = bundle_dir.empty() ? "config.json" : bundle_dir + "/config.json";
  return parse_spec(read_file(path), "config.json");
}

Process parse_process(const std::string& text, const std::string& label) {
  return with_context(label, [&] {
    nlohmann::json doc = detail::parse_json_text(text);
    Process process = detail::read_process(JsonNode(doc, ""));
    validate_process(process, "");
    return process;
  });
}

Resources parse_resources(const std::string& text, const std::string& label) {
  return with_context(label, [&] {
    nlohmann::json doc = detail::parse_json_text(text);
    Resources resources = detail::read_resources(JsonNode(doc, ""));
    detail::validate_resources(resources, "");
    return resources;
  });
}

}  // namespace minirun::spec
