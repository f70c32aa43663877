// The interface a layer family uses to write its TensorFlow.js mapping (LayerSpec::toTfjs): the
// node becomes Keras-2 layers of a functional model, each with its config and its weights already
// in Keras layout (kernels [in, out], recurrent gates in Keras order). The exporter
// (engine/io/tfjs/exporter.cpp) implements it and writes model.json + weights.bin.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/export_node.h"
#include "tensor/tensor.h"

namespace strata {

// One weight of a Keras layer: `name` is its path inside the layer ("kernel",
// "forward_lstm/recurrent_kernel"); the manifest names it "<layer>/<name>", as tfjs looks it up.
struct KerasWeight {
  std::string name;
  Tensor value;  // float32, Keras layout
};

// The node being exported (nodeId, params, inputTypes, outputTypes) comes from ExportNode;
// input(i) is the Keras layer whose output feeds input slot i (every layer Strata writes has one
// output), empty when the optional port is unconnected.
class TfjsContext : public ExportNode {
 public:
  // Whether output port i feeds anything (an edge, an Output node or a loss).
  virtual bool outputUsed(size_t i) const = 0;
  // Declares the Keras layer whose output carries output port i.
  virtual void setOutput(size_t i, const std::string& layer) = 0;
  // The node's trained parameter by its PyTorch name ("weight", "bias_ih_l0",
  // "self_attn.in_proj_weight"), in PyTorch layout; undefined when the node has none (a bias
  // left out).
  virtual Tensor param(const std::string& name) const = 0;
  // Adds a layer of Keras class `className` called on `inputs` (one tensor, or a list for merge
  // layers) and returns its name. With an empty `suffix` the layer is named by the node id (a
  // node's main layer, so its weights read "lstm/kernel"); otherwise "<node>_<suffix>", made
  // unique. `config` holds the class's arguments; name, trainable and dtype are added.
  virtual std::string layer(const std::string& className, const std::string& suffix,
                            nlohmann::json config, const std::vector<std::string>& inputs,
                            std::vector<KerasWeight> weights = {}) = 0;
};

// Weight conversions and layer groups shared by several families (engine/io/tfjs/keras_ops.cpp).
namespace keras {

// [out, in] -> [in, out]: a Keras kernel from a PyTorch weight.
Tensor transposed(const Tensor& w);
// Rows [start, end) of a [N, ...] tensor.
Tensor rows(const Tensor& t, int64_t start, int64_t end);
// Elementwise a + b (same shape).
Tensor sum(const Tensor& a, const Tensor& b);
// t * s.
Tensor scaled(const Tensor& t, float s);
// A [G*H, ...] tensor whose G row blocks are put in the order `perm` (block i of the result is
// block perm[i] of t).
Tensor gatesReordered(const Tensor& t, const std::vector<int>& perm);
// A float32 tensor of `shape` filled with `v`.
Tensor filled(const Shape& shape, float v);

// Dense(units) over the last dim with kernel = weight^T (weight [out, in] in PyTorch layout);
// bias may be undefined. activation: a Keras activation name ("linear", "relu", "gelu").
std::string dense(TfjsContext& c, const std::string& x, const std::string& suffix,
                  const Tensor& weight, const Tensor& bias,
                  const std::string& activation = "linear");
// LayerNormalization over the last axis with gamma/beta and epsilon written explicitly (tfjs's
// default epsilon is 1e-3, PyTorch's 1e-5).
std::string layerNorm(TfjsContext& c, const std::string& x, const std::string& suffix,
                      const Tensor& gamma, const Tensor& beta, double eps);
// y = x * scale + shift per feature of the last axis (scale and shift [C]), exactly rounded once:
// BatchNormalization at inference with mean 0 and variance 1 - eps, eps a power of two, so
// variance + eps is exactly 1 (Keras and tfjs have no scale/add-constant layer).
std::string affine(TfjsContext& c, const std::string& x, const std::string& suffix,
                   const Tensor& scale, const Tensor& shift);
// Activation(name).
std::string activation(TfjsContext& c, const std::string& x, const std::string& suffix,
                       const std::string& name);
// nn.MultiheadAttention without masks, lowered per head (tfjs-layers has no MultiHeadAttention
// and its Dot takes rank-3 tensors only): q_h, k_h, v_h as Dense slices of in_proj (q's
// pre-scaled by 1/sqrt(head_dim)), Dot(q_h, k_h) over features, Softmax over keys, Dot with v_h,
// Concatenate, Dense out_proj. q [B, T, E]; kv and value [B, S, E]. Weights by PyTorch names
// under `prefix`; *weightsOut (when given) receives the head-averaged probabilities [B, T, S].
std::string attention(TfjsContext& c, const std::string& q, const std::string& kv,
                      const std::string& value, int64_t E, int64_t heads,
                      const std::string& prefix, const std::string& suffix,
                      std::string* weightsOut = nullptr);
// Keras's name for a sequence-length dim: a known size, or null when variable.
nlohmann::json dim(int64_t d);

}  // namespace keras

}  // namespace strata
