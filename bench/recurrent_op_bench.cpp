// Times the strata::recurrent op alone: one training step (forward_training + backward, all
// parameter gradients) of a batch-first LSTM/GRU/RNN stack. Built and run by recurrent_w1.sh.
// Usage: recurrent_op_bench MODE B T I H L STEPS   (MODE: lstm | gru | rnn_tanh)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/recurrent/rnn_op.h"
#include "tensor/autograd.h"

using namespace strata;

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr, "usage: %s lstm|gru|rnn_tanh B T I H L STEPS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int64_t B = std::atol(argv[2]), T = std::atol(argv[3]), I = std::atol(argv[4]);
  const int64_t H = std::atol(argv[5]), L = std::atol(argv[6]);
  const int steps = std::atoi(argv[7]);
  RecurrentConfig cfg;
  cfg.mode = mode == "gru" ? RecurrentMode::Gru
             : mode == "rnn_tanh" ? RecurrentMode::RnnTanh : RecurrentMode::Lstm;
  cfg.inputSize = I;
  cfg.hiddenSize = H;
  cfg.numLayers = L;
  Rng rng(0);
  std::vector<Tensor> params;
  for (const auto& s : recurrentParameterShapes(cfg)) params.push_back(Tensor::empty(s.second));
  initRecurrentParameters(cfg, params, rng);
  for (Tensor& p : params) p.setRequiresGrad();
  Tensor x = Tensor::empty({B, T, I});
  for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = rng.normal();
  Tensor seed = Tensor::full({B, T, H}, 1.0f / static_cast<float>(B * T * H));
  std::vector<double> ms;
  for (int s = 0; s < steps + 2; ++s) {  // two warm-up steps build the primitives
    for (Tensor& p : params) p.zeroGrad();
    auto t0 = std::chrono::steady_clock::now();
    RecurrentOutputs r = recurrent(cfg, x, {}, {}, params, true, &rng);
    r.out.backward(seed);
    auto t1 = std::chrono::steady_clock::now();
    if (s >= 2) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("strata_op %s median_ms %.2f min_ms %.2f steps_per_s %.3f\n", mode.c_str(),
              ms[ms.size() / 2], ms.front(), 1000.0 / ms[ms.size() / 2]);
  return 0;
}
