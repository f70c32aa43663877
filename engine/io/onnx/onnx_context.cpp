// Decompositions shared by the families' ONNX mappings: Linear, LayerNorm, GELU and multi-head
// attention written as opset-17 ops, mirroring the engine's forward step by step.
#include "io/onnx/onnx_context.h"

#include <cmath>
#include <limits>

namespace strata {

std::string OnnxContext::ints(const std::string& name, const std::vector<int64_t>& values) {
  return constant(name, Tensor::fromVector({static_cast<int64_t>(values.size())}, values));
}

std::string OnnxContext::scalar(const std::string& name, float value) {
  return constant(name, Tensor::scalar(value));
}

namespace onnx_ops {

std::string linear(OnnxContext& c, const std::string& x, int rank, const std::string& weight,
                   const std::string& bias) {
  if (rank == 2) {
    std::vector<std::string> in{x, weight};
    if (!bias.empty()) in.push_back(bias);
    return c.op1("Gemm", in, {{"transB", int64_t{1}}});
  }
  // x: [..., in] @ W^T: [in, out] (+ b). ORT folds the Transpose of the initializer at load.
  std::string wt = c.op1("Transpose", {weight}, {{"perm", std::vector<int64_t>{1, 0}}});
  std::string y = c.op1("MatMul", {x, wt});
  return bias.empty() ? y : c.op1("Add", {y, bias});
}

std::string layerNorm(OnnxContext& c, const std::string& x, const std::string& weight,
                      const std::string& bias, float eps) {
  return c.op1("LayerNormalization", {x, weight, bias},
               {{"axis", int64_t{-1}}, {"epsilon", eps}});
}

std::string gelu(OnnxContext& c, const std::string& x, bool tanhApprox) {
  if (!tanhApprox) {
    // PyTorch's export order: x / sqrt(2) -> Erf -> + 1 -> x * . -> * 0.5
    std::string d = c.op1("Div", {x, c.scalar("sqrt2", std::sqrt(2.0f))});
    std::string e = c.op1("Erf", {d});
    std::string a = c.op1("Add", {e, c.scalar("one", 1.0f)});
    std::string m = c.op1("Mul", {x, a});
    return c.op1("Mul", {m, c.scalar("half", 0.5f)});
  }
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  const float k = static_cast<float>(std::sqrt(2.0 / 3.14159265358979323846));
  std::string x3 = c.op1("Mul", {c.op1("Mul", {x, x}), x});
  std::string inner = c.op1("Add", {x, c.op1("Mul", {x3, c.scalar("c044715", 0.044715f)})});
  std::string t = c.op1("Tanh", {c.op1("Mul", {inner, c.scalar("sqrt2pi", k)})});
  std::string a = c.op1("Add", {t, c.scalar("one", 1.0f)});
  return c.op1("Mul", {c.op1("Mul", {x, a}), c.scalar("half", 0.5f)});
}

namespace {

// [B, L, E] -> [B, H, L, D] (or [B, H, D, L] with keyLayout, ready for Q K^T)
std::string splitHeads(OnnxContext& c, const std::string& x, int64_t H, int64_t D,
                       bool keyLayout) {
  std::string r = c.op1("Reshape", {x, c.ints("heads_shape", {0, 0, H, D})});
  return c.op1("Transpose", {r}, {{"perm", keyLayout ? std::vector<int64_t>{0, 2, 3, 1}
                                                     : std::vector<int64_t>{0, 2, 1, 3}}});
}

// Rows [start, end) of a [3E, ...] weight.
std::string rows(OnnxContext& c, const std::string& w, int64_t start, int64_t end) {
  if (w.empty()) return w;
  return c.op1("Slice", {w, c.ints("start", {start}), c.ints("end", {end}), c.ints("axis0", {0})});
}

}  // namespace

std::string attention(OnnxContext& c, const std::string& q, const std::string& kv,
                      const std::string& value, const std::string& mask, int64_t E, int64_t H,
                      bool causal, const std::string& prefix, std::string* weightsOut) {
  const std::string w = c.weight(prefix + "in_proj_weight");
  const std::string b = c.weight(prefix + "in_proj_bias");
  std::string qp, kp, vp;
  if (kv == q && value == q) {
    std::string qkv = linear(c, q, 3, w, b);  // [B, T, 3E]
    auto parts = c.op("Split", {qkv}, 3, {{"axis", int64_t{2}}});
    qp = parts[0], kp = parts[1], vp = parts[2];
  } else {
    qp = linear(c, q, 3, rows(c, w, 0, E), rows(c, b, 0, E));
    kp = linear(c, kv, 3, rows(c, w, E, 2 * E), rows(c, b, E, 2 * E));
    vp = linear(c, value, 3, rows(c, w, 2 * E, 3 * E), rows(c, b, 2 * E, 3 * E));
  }
  const int64_t D = E / H;
  // PyTorch scales q, not the scores, before Q K^T.
  std::string qh = c.op1("Mul", {splitHeads(c, qp, H, D, false),
                                 c.scalar("scale", 1.0f / std::sqrt(static_cast<float>(D)))});
  std::string kt = splitHeads(c, kp, H, D, true);  // [B, H, D, S]
  std::string vh = splitHeads(c, vp, H, D, false);
  std::string scores = c.op1("MatMul", {qh, kt});  // [B, H, T, S]
  std::string masked;  // bool, true = hidden
  if (!mask.empty()) {
    std::string m = c.op1("Cast", {mask}, {{"to", int64_t{9}}});  // BOOL: nonzero = padding
    masked = c.op1("Unsqueeze", {m, c.ints("axes12", {1, 2})});  // [B, 1, 1, S]
  }
  if (causal) {
    // [T, S] with ones where s > t: Trilu(upper, k=1) of a ones matrix of the scores' size.
    std::string t = c.op1("Shape", {q}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
    std::string s = c.op1("Shape", {kv}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
    std::string ts = c.op1("Concat", {t, s}, {{"axis", int64_t{0}}});
    std::string oneF = c.op1("Expand", {c.scalar("one", 1.0f), ts});
    std::string upper = c.op1("Trilu", {oneF, c.constant("k1", Tensor::fromVector(
                                                            Shape{}, std::vector<int64_t>{1}))},
                              {{"upper", int64_t{1}}});
    std::string cm = c.op1("Cast", {upper}, {{"to", int64_t{9}}});
    masked = masked.empty() ? cm : c.op1("Or", {masked, cm});
  }
  if (!masked.empty()) {
    // Strata fills masked scores with -inf, so their probabilities are exactly 0.
    scores = c.op1("Where", {masked, c.scalar("ninf", -std::numeric_limits<float>::infinity()),
                             scores});
  }
  std::string probs = c.op1("Softmax", {scores}, {{"axis", int64_t{-1}}});
  std::string heads = c.op1("MatMul", {probs, vh});  // [B, H, T, D]
  std::string merged = c.op1(
      "Reshape", {c.op1("Transpose", {heads}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}),
                  c.ints("merge_shape", {0, 0, E})});
  if (weightsOut)
    *weightsOut = c.op1("ReduceMean", {probs}, {{"axes", std::vector<int64_t>{1}},
                                                {"keepdims", int64_t{0}}});
  return linear(c, merged, 3, c.weight(prefix + "out_proj.weight"),
                c.weight(prefix + "out_proj.bias"));
}

}  // namespace onnx_ops

}  // namespace strata
