// strata-cli and strata run OpenMP (oneDNN primitives, engine loops) with OMP_WAIT_POLICY=passive
// unless the caller chose a policy. libgomp reads the policy once, when it is loaded, before any
// of our code runs, so the only way to set it from inside is to re-execute the binary with the
// variable set; this happens here, before main(), and costs a few milliseconds.
//
// Why: a training step runs hundreds of short parallel regions. With libgomp's default (spin
// ~300k iterations at every barrier) a 2-core machine that other processes also use loses most
// of its time to threads spinning while their partner is descheduled: the transformer-reverse
// sample ran 1.4 steps/s with the default and 21 steps/s passive on a loaded 2-core machine
// (load average ~15), and the W4 encoder 0.3-0.9 vs 3.3-4.6 steps/s.
// In the GUI it also keeps the trainer's threads from spinning against the event loop.
// Set OMP_WAIT_POLICY (active or passive) or GOMP_SPINCOUNT yourself to opt out.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool reexecWithPassiveWait() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr)
    return false;
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (all.empty()) return false;
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return false;
  execv("/proc/self/exe", argv.data());
  unsetenv("OMP_WAIT_POLICY");  // exec failed: carry on with libgomp's defaults
  return false;
}

[[maybe_unused]] const bool kReexeced = reexecWithPassiveWait();

}  // namespace
