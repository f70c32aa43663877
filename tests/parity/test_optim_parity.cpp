// Optimizer parity with torch.optim 1.13: the same parameters and the same 20 gradients (written
// as raw float32 files) through SGD (momentum, Nesterov, weight decay), Adam (with weight decay)
// and AdamW, optionally with gradient clipping; every step's parameters must lie within the fp32
// rule's bound (docs/numerics.md) of torch.optim run in float64 on the same data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "core/rng.h"
#include "train/adam.h"
#include "train/grad_clip.h"
#include "train/sgd.h"

namespace strata {
namespace {

struct Case {
  std::string name, optimizer;
  double lr = 0.01, momentum = 0, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool nesterov = false;
  double clip = 0;
};

constexpr int kSteps = 20;
const std::vector<Shape> kShapes = {{4, 3}, {3}, {2, 2, 2}};

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({"sgd_plain", "sgd", 0.1});
  c.push_back({"sgd_momentum", "sgd", 0.05, 0.9});
  c.push_back({"sgd_nesterov", "sgd", 0.05, 0.9});
  c.back().nesterov = true;
  c.push_back({"sgd_momentum_wd", "sgd", 0.05, 0.9, 0.01});
  c.push_back({"sgd_nesterov_wd_clip", "sgd", 0.05, 0.8, 0.001});
  c.back().nesterov = true;
  c.back().clip = 1.0;
  c.push_back({"adam", "adam", 0.01});
  c.push_back({"adam_wd", "adam", 0.01, 0, 0.01});
  c.push_back({"adam_betas_eps", "adam", 0.003, 0, 0, 0.8, 0.99, 1e-6});
  c.push_back({"adamw", "adamw", 0.01, 0, 0.01});
  c.push_back({"adamw_wd_clip", "adamw", 0.02, 0, 0.1, 0.85, 0.995, 1e-7});
  c.back().clip = 0.5;
  return c;
}

std::unique_ptr<Optimizer> make(const Case& c, std::vector<NamedTensor> params) {
  if (c.optimizer == "sgd")
    return std::make_unique<Sgd>(std::move(params), c.lr, c.momentum, c.nesterov, c.weightDecay);
  if (c.optimizer == "adam")
    return std::make_unique<Adam>(std::move(params), c.lr, c.beta1, c.beta2, c.eps, c.weightDecay);
  return std::make_unique<AdamW>(std::move(params), c.lr, c.beta1, c.beta2, c.eps, c.weightDecay);
}

void writeFloats(const std::string& path, const std::vector<float>& v) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

TEST(OptimParity, MatchesTorchOptimOverTwentySteps) {
  test::ScratchDir dir("optim-parity");
  const auto all = cases();
  int64_t total = 0;
  for (const auto& s : kShapes) total += numel(s);

  // One parameter set and one gradient sequence per case, from a seeded Rng; gradients vary in
  // scale so clipping both engages and not.
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<float>> init(all.size()), grads(all.size());
  for (size_t k = 0; k < all.size(); ++k) {
    Rng rng(100 + k);
    for (int64_t i = 0; i < total; ++i) init[k].push_back(rng.normal());
    for (int s = 0; s < kSteps; ++s)
      for (int64_t i = 0; i < total; ++i)
        grads[k].push_back(rng.normal() * (0.2f + 0.15f * (s % 5)));
    writeFloats(dir.file(all[k].name + ".params.bin"), init[k]);
    writeFloats(dir.file(all[k].name + ".grads.bin"), grads[k]);
    list.push_back({{"name", all[k].name},
                    {"optimizer", all[k].optimizer},
                    {"lr", all[k].lr},
                    {"momentum", all[k].momentum},
                    {"nesterov", all[k].nesterov},
                    {"weight_decay", all[k].weightDecay},
                    {"betas", {all[k].beta1, all[k].beta2}},
                    {"eps", all[k].eps},
                    {"clip", all[k].clip},
                    {"steps", kSteps},
                    {"shapes", kShapes}});
  }
  test::writeText(dir.file("cases.json"), list.dump());
  const auto py = test::run(test::python() + " " + test::sourceDir() +
                            "/tests/parity/torch_optim.py " + dir.path().string());
  ASSERT_EQ(py.exitCode, 0) << py.output;

  double worstOverall = 0;
  for (size_t k = 0; k < all.size(); ++k) {
    const Case& c = all[k];
    std::vector<NamedTensor> params;
    int64_t off = 0;
    for (size_t p = 0; p < kShapes.size(); ++p) {
      const auto n = numel(kShapes[p]);
      std::vector<float> v(init[k].begin() + off, init[k].begin() + off + n);
      params.push_back({"p" + std::to_string(p), Tensor::fromVector(kShapes[p], v)});
      params.back().tensor.setRequiresGrad();
      off += n;
    }
    auto opt = make(c, params);
    std::vector<double> ref, spread;
    ASSERT_TRUE(test::readReference(dir.file(c.name + ".torch"), kSteps * total, ref, spread))
        << c.name << ": no reference";
    double worst = 0;
    for (int s = 0; s < kSteps; ++s) {
      off = 0;
      for (auto& p : params) {
        const auto n = p.tensor.numel();
        std::vector<float> g(grads[k].begin() + s * total + off,
                             grads[k].begin() + s * total + off + n);
        p.tensor.setGrad(Tensor::fromVector(p.tensor.shape(), g));
        off += n;
      }
      if (c.clip > 0) clipGradNorm(params, c.clip);
      opt->step();
      // K: the gradient norm that clipping takes sums over every parameter.
      off = 0;
      for (auto& p : params) {
        const size_t at = static_cast<size_t>(s * total + off);
        const auto v = test::checkFp32(p.tensor.f32(), ref.data() + at, spread.data() + at,
                                       p.tensor.numel(), total);
        worst = std::max(worst, v.ratio);
        ASSERT_TRUE(v.ok()) << v.describe(c.name + " step " + std::to_string(s + 1) + " " + p.name);
        off += p.tensor.numel();
      }
    }
    EXPECT_EQ(opt->stepCount(), kSteps);
    std::printf("optim parity %-22s worst |error| / fp32 bound %.3f\n", c.name.c_str(), worst);
    worstOverall = std::max(worstOverall, worst);
  }
  std::printf("optim parity worst case %.3f of the fp32 bound\n", worstOverall);
}

}  // namespace
}  // namespace strata
