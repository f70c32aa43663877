// Shared by the `gpu` suite: the skip-with-reason guard, host copies, the CPU<->GPU comparison
// (the fp32 rule of tests/common/fp32_rule.h for two fp32 implementations, with a floor of 1e-4
// relative to the tensor's RMS, TF32 off) and checkOp, which applies it to one op's outputs and
// every input's gradient.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "common/fp32_rule.h"
#include "core/rng.h"
#include "ops/ops.h"
#include "tensor/tensor.h"

namespace strata::gpu_test {

// The first GPU, or a skip naming why there is none (the CUDA error text, or "built without
// CUDA"). Never a pass: ctest lists these tests as skipped.
#define STRATA_REQUIRE_GPU()                                                \
  do {                                                                      \
    const std::string strataWhy = deviceUnavailableReason(Device::cuda(0)); \
    if (!strataWhy.empty()) GTEST_SKIP() << strataWhy;                      \
    setAllowTf32(false);                                                    \
  } while (0)

inline Device gpu() { return Device::cuda(0); }

inline Tensor host(const Tensor& t) { return t.defined() ? t.to(Device::cpu()) : t; }

// Random float32 tensor in [lo, hi), seeded.
inline Tensor randomTensor(const Shape& shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = rng.uniform(lo, hi);
  return t;
}

// The same values on the GPU, as a fresh leaf (requiring a gradient when `grad`).
inline Tensor onGpu(const Tensor& cpu, bool grad) {
  Tensor t = cpu.to(gpu());
  if (t.sameAs(cpu)) t = cpu.clone();
  t.setRequiresGrad(grad);
  return t;
}

inline Tensor leaf(const Tensor& cpu, bool grad) {
  Tensor t = cpu.clone();
  t.setRequiresGrad(grad);
  return t;
}

// GPU result vs CPU result, element by element: within the fp32 bound of a sum of K terms for
// two implementations, or within 1e-4 of the tensor's RMS, whichever is larger (plus absFloor,
// for the few places that state why they need one).
inline ::testing::AssertionResult close(const std::string& what, const Tensor& cpu,
                                        const Tensor& gpuValue, int64_t K, double absFloor = 0) {
  if (!cpu.defined() || !gpuValue.defined())
    return cpu.defined() == gpuValue.defined()
               ? ::testing::AssertionSuccess()
               : ::testing::AssertionFailure() << what << ": defined on one device only";
  const Tensor g = host(gpuValue);
  if (g.shape() != cpu.shape())
    return ::testing::AssertionFailure()
           << what << ": shape " << describe(g) << " vs " << describe(cpu);
  std::vector<double> ref(static_cast<size_t>(cpu.numel()));
  for (int64_t i = 0; i < cpu.numel(); ++i) ref[static_cast<size_t>(i)] = cpu.f32()[i];
  const double rms = test::rootMeanSquare(ref.data(), cpu.numel());
  const test::Fp32Verdict v = test::checkFp32(g.f32(), ref.data(), nullptr, cpu.numel(), K, 2.0);
  double worst = 0;
  int64_t at = -1;
  for (int64_t i = 0; i < cpu.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(g.f32()[i]) - ref[static_cast<size_t>(i)]);
    const double allowed =
        std::max(1e-4 * std::max(rms, std::fabs(ref[static_cast<size_t>(i)])), v.bound) +
        absFloor;
    if (!(d <= allowed) || !std::isfinite(g.f32()[i])) {
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
  }
  if (at < 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << "[" << at << "]: gpu " << g.f32()[at] << " vs cpu " << cpu.f32()[at]
         << " (|diff| " << worst << ", rms " << rms << ")";
}

using OpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Runs `f` on CPU leaves and on GPU copies of them, back-propagates the same random upstream
// gradient (as sum(out * seed)) and compares every output and every float input's gradient.
inline void checkOp(const std::string& name, const std::vector<Tensor>& inputs, const OpFn& f,
                    int64_t K) {
  std::vector<Tensor> cpuIn, gpuIn;
  for (const Tensor& t : inputs) {
    const bool grad = t.dtype() == DType::Float32;
    cpuIn.push_back(leaf(t, grad));
    gpuIn.push_back(onGpu(t, grad));
  }
  std::vector<Tensor> cpuOut = f(cpuIn), gpuOut = f(gpuIn);
  ASSERT_EQ(cpuOut.size(), gpuOut.size());
  Tensor cpuLoss, gpuLoss;
  for (size_t i = 0; i < cpuOut.size(); ++i) {
    if (!cpuOut[i].defined()) continue;
    EXPECT_EQ(gpuOut[i].device(), gpu()) << name << " output " << i;
    EXPECT_TRUE(close(name + " out" + std::to_string(i), cpuOut[i], gpuOut[i], K));
    if (cpuOut[i].dtype() != DType::Float32 || !cpuOut[i].requiresGrad()) continue;
    const Tensor seed = randomTensor(cpuOut[i].shape(), 1000 + i);
    Tensor c = ops::sum(ops::mul(cpuOut[i], seed));
    Tensor g = ops::sum(ops::mul(gpuOut[i], seed.to(gpu())));
    cpuLoss = cpuLoss.defined() ? ops::add(cpuLoss, c) : c;
    gpuLoss = gpuLoss.defined() ? ops::add(gpuLoss, g) : g;
  }
  if (!cpuLoss.defined()) return;
  cpuLoss.backward();
  gpuLoss.backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::Float32) continue;
    EXPECT_TRUE(
        close(name + " grad of input " + std::to_string(i), cpuIn[i].grad(), gpuIn[i].grad(), K));
  }
}

inline Tensor indices(const Shape& shape, int64_t below, uint64_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::empty(shape, DType::Int64);
  for (int64_t i = 0; i < t.numel(); ++i) t.i64()[i] = static_cast<int64_t>(rng.below(below));
  return t;
}

}  // namespace strata::gpu_test
