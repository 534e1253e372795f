#include <gtest/gtest.h>

#include <cstdio>

// The main() of the engine test binaries: a run where a test skipped (an
// engine, a tool or runc missing) exits 77, which CMake's SKIP_RETURN_CODE
// turns into "Skipped" in ctest's summary: all the tests of a binary are one
// ctest entry, so without it a skip would read "Passed".  A failure still
// exits 1.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  const auto* unit = ::testing::UnitTest::GetInstance();
  if (rc == 0 && unit->skipped_test_count() > 0) {
    std::printf("%s: %d of %d tests skipped (reasons above), reported to ctest as skipped\n", argv[0],
                unit->skipped_test_count(), unit->test_to_run_count());
    return 77;
  }
  return rc;
}
