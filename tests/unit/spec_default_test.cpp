// `minirun spec` must write what `runc spec` (1.1.5) writes.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "spec/spec.h"

namespace {

using namespace minirun::spec;

TEST(SpecDefault, ParsesToRuncDefaults) {
  Spec spec = parse_spec(default_spec_json(false));
  EXPECT_EQ(spec.oci_version, "1.0.2-dev");
  ASSERT_TRUE(spec.process);
  EXPECT_TRUE(spec.process->terminal);
  EXPECT_EQ(spec.process->args, std::vector<std::string>{"sh"});
  EXPECT_EQ(spec.process->cwd, "/");
  EXPECT_TRUE(spec.process->no_new_privileges);
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(spec.process->capabilities->bounding, caps);
  EXPECT_EQ(spec.process->capabilities->ambient, caps);
  EXPECT_TRUE(spec.process->capabilities->inheritable.empty());
  ASSERT_EQ(spec.process->rlimits.size(), 1u);
  EXPECT_EQ(spec.process->rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(spec.process->rlimits[0].hard, 1024u);
  EXPECT_EQ(spec.root.path, "rootfs");
  EXPECT_TRUE(spec.root.readonly);
  EXPECT_EQ(spec.hostname, "runc");
  ASSERT_EQ(spec.mounts.size(), 7u);
  EXPECT_EQ(spec.mounts[2].options.back(), "gid=5");
  EXPECT_EQ(spec.mounts[5].type, "sysfs");
  ASSERT_EQ(spec.linux.namespaces.size(), 5u);
  EXPECT_EQ(spec.linux.namespaces[1].type, NamespaceType::network);
  EXPECT_FALSE(spec.linux.has_namespace(NamespaceType::user));
  ASSERT_TRUE(spec.linux.resources);
  ASSERT_EQ(spec.linux.resources->devices.size(), 1u);
  EXPECT_FALSE(spec.linux.resources->devices[0].allow);
  EXPECT_EQ(spec.linux.resources->devices[0].access, "rwm");
  EXPECT_EQ(spec.linux.masked_paths.size(), 10u);
  EXPECT_EQ(spec.linux.readonly_paths.size(), 5u);
}

TEST(SpecDefault, RootlessMapsTheCallerAndDropsTheNetns) {
  Spec spec = parse_spec(default_spec_json(true));
  EXPECT_TRUE(spec.linux.has_namespace(NamespaceType::user));
  EXPECT_FALSE(spec.linux.has_namespace(NamespaceType::network));
  ASSERT_EQ(spec.linux.uid_mappings.size(), 1u);
  EXPECT_EQ(spec.linux.uid_mappings[0].host_id, ::geteuid());
  EXPECT_EQ(spec.linux.gid_mappings[0].host_id, ::getegid());
  EXPECT_EQ(spec.linux.uid_mappings[0].size, 1u);
  EXPECT_FALSE(spec.linux.resources);
  EXPECT_EQ(spec.mounts[5].type, "none");
  EXPECT_EQ(spec.mounts[5].options.front(), "rbind");
  EXPECT_EQ(spec.mounts[2].options.back(), "mode=0620");
}

TEST(SpecDefault, TabIndentedWithoutTrailingNewline) {
  std::string text = default_spec_json(false);
  EXPECT_EQ(text.substr(0, 17), "{\n\t\"ociVersion\": ");
  EXPECT_EQ(text.back(), '}');
}

// Runs `runc spec [--rootless]` in a temp dir; empty when runc is not installed.
std::string runc_spec(bool rootless) {
  char tmpl[] = "/tmp/spec_runc_XXXXXX";
  if (!mkdtemp(tmpl)) return "";
  std::string dir = tmpl;
  std::string cmd = "cd " + dir + " && runc spec" + (rootless ? " --rootless" : "") + " >/dev/null 2>&1";
  std::string text;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream in(dir + "/config.json");
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  std::remove((dir + "/config.json").c_str());
  ::rmdir(dir.c_str());
  return text;
}

// The default spec is runc 1.1's (Debian 12); another runc (1.2 masks more
// paths, one in /usr/local/bin from another tool) writes other bytes.
TEST(SpecDefault, SameBytesAsRuncSpec) {
  if (std::system("runc --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "runc not installed";
  if (std::system("runc --version | grep -q '^runc version 1\\.1\\.'") != 0)
    GTEST_SKIP() << "the runc on PATH is not 1.1.x, the version minirun spec matches";
  EXPECT_EQ(default_spec_json(false), runc_spec(false));
  EXPECT_EQ(default_spec_json(true), runc_spec(true));
}

}  // namespace
