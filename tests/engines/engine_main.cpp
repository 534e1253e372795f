#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

// The main() of the engine test binaries: a run where a test skipped (an
// engine, a tool or runc missing) exits 77, which CMake's SKIP_RETURN_CODE
// turns into "Skipped" in ctest's summary: all the tests of a binary are one
// ctest entry, so without it a skip would read "Passed".  A failure still
// exits 1.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // The systemd cases run only in the booted systemd (ctest systemd_engines,
  // which sets MINIRUN_ENGINE_CGROUP_MANAGER=systemd): elsewhere they are
  // filtered out, not "skipped", which would make the whole entry so.
  const char* manager = std::getenv("MINIRUN_ENGINE_CGROUP_MANAGER");
  if (!manager || std::string(manager) != "systemd") {
    std::string& filter = ::testing::GTEST_FLAG(filter);
    filter += filter.find('-') == std::string::npos ? "-*Systemd*" : ":*Systemd*";
  }
  int rc = RUN_ALL_TESTS();
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (rc == 0 && unit->skipped_test_count() > 0) {
    std::printf("%s: %d of %d tests skipped (reasons above), reported to ctest as skipped\n", argv[0],
                unit->skipped_test_count(), unit->test_to_run_count());
    return 77;
  }
  return rc;
}
