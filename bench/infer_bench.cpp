// The inference path of `strata-cli run` (graph compiled, eval mode, no grad, one forward of a
// batch) timed in-process: a `strata-cli run` process spends ~1 s starting up and loading, which
// would hide a forward pass of milliseconds. Prints `forward_ms <median>`. Built by bench/run.
// Usage: infer_bench GRAPH BATCH STEPS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "graph/document.h"
#include "graph/model.h"
#include "tensor/autograd.h"

using namespace strata;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s GRAPH BATCH STEPS\n", argv[0]);
    return 2;
  }
  const int64_t batch = std::atoll(argv[2]);
  const int steps = std::atoi(argv[3]);
  auto doc = GraphDocument::load(argv[1]);
  if (!doc) return std::fprintf(stderr, "%s\n", doc.message().c_str()), 1;
  auto model = Model::compile(*doc);
  if (!model) return std::fprintf(stderr, "%s\n", model.message().c_str()), 1;
  (*model)->resetParameters(0);
  const std::string name = (*model)->inputNames().front();
  TensorType type = (*model)->inputType(name);
  Shape shape{batch};
  for (size_t i = 1; i < type.shape.size(); ++i) shape.push_back(type.shape[i]);
  Rng rng(0);
  Tensor x;
  if (type.kind == ValueKind::Int64) {
    x = Tensor::empty(shape, DType::Int64);
    for (int64_t i = 0; i < x.numel(); ++i) x.i64()[i] = static_cast<int64_t>(rng.uniform() * 96);
  } else {
    x = Tensor::empty(shape);
    for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = rng.normal();
  }
  NoGradGuard noGrad;
  ForwardContext ctx;
  ctx.training = false;
  ctx.rng = &rng;
  std::vector<double> ms;
  for (int s = 0; s < steps + 2; ++s) {
    auto t0 = std::chrono::steady_clock::now();
    auto out = (*model)->forward({{name, x}}, Tensor(), ctx);
    auto t1 = std::chrono::steady_clock::now();
    if (!out) return std::fprintf(stderr, "%s\n", out.message().c_str()), 1;
    if (s >= 2) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("forward_ms %.3f\n", ms[ms.size() / 2]);
  return 0;
}
