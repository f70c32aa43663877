// The device seam on a machine without a usable GPU (every build machine here): devices parse,
// CUDA enumeration returns none with the reason, every way of asking for CUDA ends in a message
// (never a crash), and CPU tensors and ops are what they were. With a GPU present the checks that
// need its absence are skipped; the `gpu` suite covers that machine.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "backends/backend.h"
#include "graph/model.h"
#include "graph_test_util.h"
#include "ops/ops.h"
#include "tensor/autograd.h"
#include "train/trainer.h"

using namespace strata;

namespace {

bool haveGpu() { return !cudaDevices().devices.empty(); }

}  // namespace

TEST(Device, ParsesCpuCudaAndCudaN) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:3"), Device::cuda(3));
  EXPECT_EQ(Device::parse("cuda:3")->str(), "cuda:3");
  for (const char* bad : {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", "cuda:1:2", "cpu:0"})
    EXPECT_FALSE(Device::parse(bad).has_value()) << bad;
}

TEST(Device, WithoutAGpuEnumerationIsEmptyWithTheReason) {
  if (haveGpu()) GTEST_SKIP() << "this machine has a GPU (the gpu suite covers it)";
  const DeviceList list = cudaDevices();
  EXPECT_TRUE(list.devices.empty());
  ASSERT_FALSE(list.reason.empty());
  if (builtWithCuda())  // the CUDA runtime's own words, and what to do
    EXPECT_NE(list.reason.find("cudaGetDeviceCount failed: "), std::string::npos) << list.reason;
  else
    EXPECT_NE(list.reason.find("built without CUDA"), std::string::npos) << list.reason;
  EXPECT_NE(list.reason.find("--device cpu"), std::string::npos) << list.reason;
  const std::string why = deviceUnavailableReason(Device::cuda(0));
  EXPECT_EQ(why, "CUDA is not available: " + list.reason);
  EXPECT_EQ(deviceUnavailableReason(Device::cpu()), "");
}

TEST(Device, AskingForCudaWithoutAGpuThrowsDeviceErrorNeverCrashes) {
  if (haveGpu()) GTEST_SKIP() << "this machine has a GPU (the gpu suite covers it)";
  EXPECT_THROW(backendFor(Device::cuda(0)), DeviceError);
  EXPECT_THROW(Tensor::empty({4}, DType::Float32, Device::cuda(0)), DeviceError);
  const Tensor t = Tensor::full({4}, 1.0f);
  try {
    (void)t.to(Device::cuda(0));
    FAIL() << "no exception";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA is not available"), std::string::npos) << e.what();
  }
}

TEST(Device, TrainerRefusesCudaWithoutAGpuAndKeepsTheModel) {
  if (haveGpu()) GTEST_SKIP() << "this machine has a GPU (the gpu suite covers it)";
  auto doc = GraphDocument::load(test::sourceDir() + "/samples/mlp-sine.strata");
  ASSERT_TRUE(doc.isOk()) << doc.message();
  auto model = Model::compile(*doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto settings = TrainSettings::merged(doc->training, {{"device", "cuda:0"}, {"steps", 2}});
  ASSERT_TRUE(settings.isOk()) << settings.message();
  (*model)->resetParameters(settings->seed);
  auto trainer = Trainer::create(**model, *settings);
  ASSERT_FALSE(trainer.isOk());
  EXPECT_NE(trainer.message().find("CUDA is not available: "), std::string::npos)
      << trainer.message();
  for (const NamedTensor& p : (*model)->parameters()) EXPECT_TRUE(p.tensor.isCpu()) << p.name;
}

TEST(Device, TrainSettingsTakeCudaNAndRefuseOtherNames) {
  EXPECT_TRUE(TrainSettings::merged({}, {{"device", "cuda:1"}}).isOk());
  auto bad = TrainSettings::merged({}, {{"device", "tpu"}});
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.message().find("cpu, cuda or cuda:N"), std::string::npos) << bad.message();
}

// The CPU path is untouched: CPU tensors say so, ops through the CPU backend give the very
// bits engine/ops gives, and the caching-allocator seam is not in the way of host tensors.
TEST(Device, CpuTensorsAndOpsAreUnchanged) {
  Tensor x = Tensor::fromVector({2, 3}, std::vector<float>{-1, 0.5f, 2, -3, 4, 0.25f});
  EXPECT_TRUE(x.isCpu());
  EXPECT_EQ(x.device(), Device::cpu());
  EXPECT_TRUE(x.to(Device::cpu()).sameAs(x));
  EXPECT_EQ(describe(x), "float32[2, 3]");
  Backend& cpu = backendFor(Device::cpu());
  EXPECT_STREQ(cpu.name(), "cpu");
  for (int op = 0; op < static_cast<int>(OpKind::Count); ++op)
    EXPECT_TRUE(cpu.supportsOp(static_cast<OpKind>(op))) << opKindName(static_cast<OpKind>(op));
  const Tensor a = ops::gelu(x), b = cpu.gelu(x, false);
  EXPECT_EQ(std::memcmp(a.f32(), b.f32(), a.bytes()), 0);
  const Tensor w =
      Tensor::fromVector({4, 3}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3});
  const Tensor l1 = ops::linear(x, w, Tensor()), l2 = cpu.linear(x, w, Tensor());
  EXPECT_EQ(std::memcmp(l1.f32(), l2.f32(), l1.bytes()), 0);
  // A zero-filled tensor is zeros; a clone is a separate copy.
  Tensor z = Tensor::zeros({5});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(z.f32()[i], 0.0f);
  Tensor c = x.clone();
  c.f32()[0] = 9;
  EXPECT_EQ(x.f32()[0], -1.0f);
}

TEST(Device, BuildsWithoutCudaReportEveryCudaOpUnsupportedByName) {
  // The interface's default op bodies name the op and the backend: what a backend that lacks an
  // op throws (the CUDA backend refused 'permute' this way before it had the tensor-op family).
  const UnsupportedOp e("cuda", OpKind::Permute);
  EXPECT_NE(std::string(e.what()).find("'permute'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("cuda backend"), std::string::npos) << e.what();
}

// A CPU process never maps cuBLAS (libcublasLt alone is over 500 MB: linking it made every
// strata-cli start 0.4-0.9 s slower and 210 MB bigger); asking for the device list does not
// either. Only a CUDA context on a real GPU loads it.
TEST(Device, CublasIsNotLoadedByACpuProcess) {
  (void)cudaDevices();
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    EXPECT_EQ(line.find("libcublas"), std::string::npos) << line;
}
