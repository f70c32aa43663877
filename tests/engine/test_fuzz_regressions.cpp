// Every input a fuzz target (fuzz/) once failed on, kept in data/fuzz-regressions/<target>/ and
// replayed through the same loader: each must now be refused (or read) with a clean message. The
// sanitizer builds (scripts/test --sanitize, CI) turn any relapse into a failure here.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/testenv.h"
#include "io/npy.h"
#include "io/safetensors.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

fs::path regressions(const std::string& target) {
  return fs::path(strata::test::sourceDir()) / "tests/engine/data/fuzz-regressions" / target;
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(FuzzRegressions, NpyInputsAreRefusedCleanly) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(regressions("npy"))) {
    const std::string name = entry.path().filename().string();
    auto t = parseNpy(readAll(entry.path()), name);
    ++seen;
    ASSERT_FALSE(t.isOk()) << name << " loaded";
    EXPECT_EQ(t.message().rfind(name + ": ", 0), 0u) << t.message();
  }
  EXPECT_GE(seen, 1);
}

// A zero dimension beside dimensions whose product passes 2^62 (found by fuzz_npy): numel()
// multiplied them in order and overflowed before reaching the 0. Refused by size, in both readers.
TEST(FuzzRegressions, ZeroDimensionDoesNotHideAnOverflowingShape) {
  auto npy = parseNpy(readAll(regressions("npy") / "zero-dim-overflowing-shape.npy"), "z.npy");
  ASSERT_FALSE(npy.isOk());
  EXPECT_NE(npy.message().find("is too large"), std::string::npos) << npy.message();

  const std::string header =
      R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})";
  std::string bytes(8, '\0');
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  auto st = parseSafetensors(bytes + header, "z.safetensors");
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("is too large"), std::string::npos) << st.message();
}
