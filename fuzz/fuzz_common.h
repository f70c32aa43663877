// Shared by the libFuzzer targets in this folder: a property check that stops the run with a
// message (libFuzzer then saves the input as a crash), since a broken invariant is a finding too.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace strata::fuzz {

inline void require(bool ok, const char* what, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace strata::fuzz
