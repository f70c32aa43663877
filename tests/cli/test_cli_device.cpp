// strata-cli's --device on a machine without a usable GPU: train, run and bench with
// --device cuda (or cuda:N) end with exit code 2 and the CUDA reason (never a signal), and the
// same commands on the CPU still work. With a GPU present these are skipped (the gpu suite runs
// the CLI on it).
#include <gtest/gtest.h>

#include <string>

#include "backends/backend.h"
#include "common/testenv.h"

using namespace strata;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }
test::CommandResult cli(const std::string& args) { return test::run(q(test::cli()) + " " + args); }
std::string sample(const std::string& name) { return q(test::sourceDir() + "/samples/" + name); }

}  // namespace

class CliDeviceWithoutGpu : public ::testing::TestWithParam<std::string> {};

TEST_P(CliDeviceWithoutGpu, ExitsTwoWithTheCudaReason) {
  const DeviceList gpus = cudaDevices();
  if (!gpus.devices.empty()) GTEST_SKIP() << "this machine has a GPU (the gpu suite covers it)";
  test::ScratchDir dir;
  std::string args = GetParam();
  for (std::string key : {"{mlp}", "{dir}"}) {
    const std::string value = key == "{mlp}" ? sample("mlp-sine.strata") : dir.path().string();
    for (size_t at; (at = args.find(key)) != std::string::npos;)
      args.replace(at, key.size(), value);
  }
  auto r = cli(args);
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("CUDA is not available: " + gpus.reason), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Segmentation"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Verbs, CliDeviceWithoutGpu,
    ::testing::Values("train {mlp} --steps 2 --device cuda",
                      "train {mlp} --steps 2 --device cuda --tf32",
                      "train {mlp} --steps 2 --device cuda:1",
                      "bench {mlp} --steps 2 --device cuda",
                      "bench {mlp} --steps 2 --device cuda:0 --tf32",
                      "run {mlp} --weights {dir}/none.safetensors --input {dir}/x.npy "
                      "--output {dir}/y.npy --device cuda"));

TEST(CliDevice, TheCpuStillTrainsAndBenchPrintsTflops) {
  auto r = cli("bench " + sample("mlp-sine.strata") + " --steps 3 --device cpu");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("steps/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("TFLOP/s"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("peak GPU memory"), std::string::npos) << r.output;
}

TEST(CliDevice, AnUnknownDeviceNameIsAUsageError) {
  auto r = cli("bench " + sample("mlp-sine.strata") + " --device cuda:x");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("expected cpu, cuda or cuda:N"), std::string::npos) << r.output;
}
