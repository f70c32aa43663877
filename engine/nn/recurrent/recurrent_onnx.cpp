// RNN/LSTM/GRU as ONNX RNN/LSTM/GRU nodes, one per layer, with the batch-first glue PyTorch's
// exporter emits: Transpose to sequence-first (ORT rejects layout=1), per layer Y [T, D, B, H]
// -> Squeeze (D = 1) or Transpose(0,2,1,3) + Reshape to [T, B, D*H], and a final Transpose back.
// The weights stay in PyTorch's layout as initializers; Split/Concat/Unsqueeze reorder the gate
// blocks to ONNX's order (LSTM iofc from ifgo, GRU zrh from rzn) and ORT folds them at load.
#include <string>
#include <vector>

#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

// PyTorch gate blocks -> ONNX order.
std::vector<int> gatePermutation(const std::string& type) {
  if (type == "LSTM") return {0, 3, 1, 2};
  if (type == "GRU") return {1, 0, 2};
  return {0};
}

// [G*H, ...] in PyTorch gate order -> [G*H, ...] in ONNX gate order.
std::string reorderGates(OnnxContext& c, const std::string& w, const std::vector<int>& perm) {
  if (perm.size() == 1) return w;
  auto parts = c.op("Split", {w}, static_cast<int>(perm.size()), {{"axis", int64_t{0}}});
  std::vector<std::string> ordered;
  for (int p : perm) ordered.push_back(parts[p]);
  return c.op1("Concat", ordered, {{"axis", int64_t{0}}});
}

Status recurrentToOnnx(const std::string& type, OnnxContext& c) {
  const Json& p = c.params();
  const int64_t H = p.at("hidden_size").get<int64_t>();
  const int64_t L = p.at("num_layers").get<int64_t>();
  const bool bidir = p.at("bidirectional").get<bool>();
  const bool bias = p.at("bias").get<bool>();
  const int64_t D = bidir ? 2 : 1;
  const bool lstm = type == "LSTM";
  const std::vector<int> perm = gatePermutation(type);
  const std::string h0 = c.input(1);
  const std::string c0 = lstm ? c.input(2) : std::string();

  std::vector<OnnxAttr> attrs{{"hidden_size", H},
                              {"direction", std::string(bidir ? "bidirectional" : "forward")}};
  if (type == "GRU")
    attrs.push_back({"linear_before_reset",
                     int64_t{p.value("linear_before_reset", true) ? 1 : 0}});
  if (type == "RNN" && p.value("nonlinearity", std::string("tanh")) == "relu")
    attrs.push_back({"activations", std::vector<std::string>(D, "Relu")});

  auto stackDirections = [&](const std::string& base, int64_t layer) {
    std::vector<std::string> dirs;
    for (int64_t d = 0; d < D; ++d) {
      std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      std::string w = reorderGates(c, c.weight(base + suffix), perm);
      dirs.push_back(c.op1("Unsqueeze", {w, c.ints("axes0", {0})}));
    }
    return D == 1 ? dirs[0] : c.op1("Concat", dirs, {{"axis", int64_t{0}}});
  };
  auto stackBias = [&](int64_t layer) {
    std::vector<std::string> dirs;
    for (int64_t d = 0; d < D; ++d) {
      std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      // ONNX B is [Wb ; Rb]: both PyTorch biases, each in ONNX gate order.
      std::string b = c.op1("Concat", {reorderGates(c, c.weight("bias_ih" + suffix), perm),
                                       reorderGates(c, c.weight("bias_hh" + suffix), perm)},
                            {{"axis", int64_t{0}}});
      dirs.push_back(c.op1("Unsqueeze", {b, c.ints("axes0", {0})}));
    }
    return D == 1 ? dirs[0] : c.op1("Concat", dirs, {{"axis", int64_t{0}}});
  };
  auto layerState = [&](const std::string& state, int64_t layer) -> std::string {
    if (state.empty()) return state;
    if (L == 1) return state;
    return c.op1("Slice", {state, c.ints("start", {layer * D}), c.ints("end", {(layer + 1) * D}),
                           c.ints("axis0", {0})});
  };

  // x: [B, T, I] -> [T, B, I]
  std::string x = c.op1("Transpose", {c.input(0)}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  std::vector<std::string> hn, cn;
  for (int64_t l = 0; l < L; ++l) {
    std::vector<std::string> in{x, stackDirections("weight_ih", l),
                                stackDirections("weight_hh", l), bias ? stackBias(l) : "", "",
                                layerState(h0, l)};
    if (lstm) in.push_back(layerState(c0, l));
    while (!in.empty() && in.back().empty()) in.pop_back();
    auto outs = c.op(type, in, lstm ? 3 : 2, attrs);  // Y [T, D, B, H], Y_h [D, B, H] (, Y_c)
    hn.push_back(outs[1]);
    if (lstm) cn.push_back(outs[2]);
    if (D == 1) {
      x = c.op1("Squeeze", {outs[0], c.ints("axes1", {1})});
    } else {
      std::string t = c.op1("Transpose", {outs[0]}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
      x = c.op1("Reshape", {t, c.ints("merge", {0, 0, -1})});
    }
  }
  c.setOutput(0, c.op1("Transpose", {x}, {{"perm", std::vector<int64_t>{1, 0, 2}}}));
  c.setOutput(1, L == 1 ? hn[0] : c.op1("Concat", hn, {{"axis", int64_t{0}}}));
  if (lstm) c.setOutput(2, L == 1 ? cn[0] : c.op1("Concat", cn, {{"axis", int64_t{0}}}));
  return Status::ok();
}

}  // namespace

LayerSpec withRecurrentOnnx(LayerSpec s) {
  s.toOnnx = [type = s.type](OnnxContext& c) { return recurrentToOnnx(type, c); };
  return s;
}

}  // namespace strata::nn
