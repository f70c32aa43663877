// Helpers shared by the test suites: where the sources, build and reference Python are, running a
// command with its output captured, and scratch directories.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace strata::test {

inline std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

#ifndef STRATA_TEST_SOURCE_DIR
#define STRATA_TEST_SOURCE_DIR "."
#endif
#ifndef STRATA_TEST_BINARY_DIR
#define STRATA_TEST_BINARY_DIR "."
#endif
#ifndef STRATA_TEST_PYTHON
#define STRATA_TEST_PYTHON "/usr/bin/python3"
#endif
#ifndef STRATA_TEST_CLI
#define STRATA_TEST_CLI STRATA_TEST_BINARY_DIR "/app/cli/strata-cli"
#endif

// Each may be overridden by the environment variable of the same name (STRATA_SOURCE_DIR, ...).
inline std::string sourceDir() { return envOr("STRATA_SOURCE_DIR", STRATA_TEST_SOURCE_DIR); }
inline std::string binaryDir() { return envOr("STRATA_BINARY_DIR", STRATA_TEST_BINARY_DIR); }
inline std::string python() {
  std::string p = envOr("STRATA_PYTHON", STRATA_TEST_PYTHON);
  return p.empty() ? "/usr/bin/python3" : p;
}
inline std::string cli() { return envOr("STRATA_CLI", STRATA_TEST_CLI); }

struct CommandResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing stdout+stderr.
inline CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = pclose(pipe);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A fresh directory under the system temp dir, removed when the object goes away.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag = "strata") {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             (tag + "-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace strata::test
