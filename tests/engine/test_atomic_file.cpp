// writeFileAtomically / AtomicFileWriter: a file is replaced whole or not at all, also when the
// writing process is killed with SIGKILL at an arbitrary moment (between write and rename
// included), and a failed write leaves neither a partial file nor its temporary behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.h"

namespace fs = std::filesystem;
using strata::AtomicFileWriter;
using strata::writeFileAtomically;

namespace {

fs::path scratchDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("strata-atomic-" + name + "-" +
                                              std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Version v of the test file: its number in the first 8 bytes, then a body whose length and
// byte value both depend on v, so a torn or mixed file cannot pass for a whole one.
std::string versionBytes(uint64_t v) {
  std::string s(8 + (1 << 20) + (v % 97) * 4099, static_cast<char>(v & 0xff));
  std::memcpy(s.data(), &v, 8);
  return s;
}

// Empty when `bytes` is exactly some version's file; else why not.
std::string checkWhole(const std::string& bytes) {
  if (bytes.size() < 8) return "shorter than its header: " + std::to_string(bytes.size());
  uint64_t v = 0;
  std::memcpy(&v, bytes.data(), 8);
  if (bytes != versionBytes(v)) return "version " + std::to_string(v) + " is torn";
  return {};
}

}  // namespace

TEST(AtomicFile, WritesAndReplacesWholeFiles) {
  const fs::path dir = scratchDir("basic");
  const std::string path = (dir / "graph.strata").string();
  ASSERT_TRUE(writeFileAtomically(path, "first"));
  EXPECT_EQ(readAll(path), "first");
  ASSERT_TRUE(writeFileAtomically(path, "second, longer"));
  EXPECT_EQ(readAll(path), "second, longer");
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  AtomicFileWriter pieces(path);
  EXPECT_TRUE(pieces.write("a", 1));
  EXPECT_TRUE(pieces.write(std::string_view("bc")));
  EXPECT_EQ(readAll(path), "second, longer");  // untouched until commit
  ASSERT_TRUE(pieces.commit());
  EXPECT_EQ(readAll(path), "abc");
  fs::remove_all(dir);
}

TEST(AtomicFile, AWriterNeverCommittedLeavesTheOldFile) {
  const fs::path dir = scratchDir("abandon");
  const std::string path = (dir / "last.safetensors").string();
  ASSERT_TRUE(writeFileAtomically(path, "old checkpoint"));
  {
    AtomicFileWriter w(path);
    w.write("half of a new one");
  }  // an exception or an early return: no commit
  EXPECT_EQ(readAll(path), "old checkpoint");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST(AtomicFile, FailuresNameThePathAndLeaveNothing) {
  const fs::path dir = scratchDir("fail");
  const std::string missing = (dir / "no-such-folder" / "model.onnx").string();
  const strata::Status s = writeFileAtomically(missing, "bytes");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message().rfind(missing, 0), 0u) << s.message();
  EXPECT_FALSE(fs::exists(missing));

  // A folder where the file should be: the rename fails, the folder and no temporary remain.
  const std::string folder = (dir / "taken").string();
  fs::create_directories(fs::path(folder) / "inside");
  const strata::Status r = writeFileAtomically(folder, "bytes");
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("cannot replace"), std::string::npos) << r.message();
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_FALSE(fs::exists(folder + ".tmp"));
  fs::remove_all(dir);
}

// A child process rewrites the file over and over (1-1.4 MB per version); the parent kills it
// with SIGKILL at random moments, 25 times. Every time, the file on disk is one whole version.
// The checker itself is shown to catch a torn file (the last assertions).
TEST(AtomicFile, SigkillAtAnyMomentLeavesAWholeFile) {
  const fs::path dir = scratchDir("kill");
  const std::string path = (dir / "autosave.strata").string();
  ASSERT_TRUE(writeFileAtomically(path, versionBytes(0)));
  std::mt19937 rng(1234);
  uint64_t firstVersion = 1;
  int killedMidWrite = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (uint64_t v = firstVersion;; ++v) writeFileAtomically(path, versionBytes(v));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 30000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    if (fs::exists(path + ".tmp")) ++killedMidWrite;
    const std::string bytes = readAll(path);
    const std::string why = checkWhole(bytes);
    ASSERT_TRUE(why.empty()) << "round " << round << ": " << why;
    uint64_t v = 0;
    std::memcpy(&v, bytes.data(), 8);
    firstVersion = v + 1000;  // the next child's versions are new ones
  }
  // Most kills land while a temporary file is being written: the case this test is about.
  EXPECT_GT(killedMidWrite, 0);

  // The check fails on a torn file: a version cut short, and one with a foreign byte.
  std::string torn = versionBytes(7);
  EXPECT_FALSE(checkWhole(torn.substr(0, torn.size() / 2)).empty());
  torn[torn.size() - 1] = 3;
  EXPECT_FALSE(checkWhole(torn).empty());
  fs::remove_all(dir);
}
