// The interface a layer family uses to write its ONNX mapping (LayerSpec::toOnnx). It speaks in
// value names and plain numbers, so family code needs no protobuf header; the exporter
// (engine/io/onnx/exporter.cpp) implements it on onnx::GraphProto.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/export_node.h"
#include "tensor/tensor.h"

namespace strata {

struct TensorType;

// One ONNX node attribute: int, float, ints, floats, string or strings.
struct OnnxAttr {
  std::string name;
  std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string,
               std::vector<std::string>>
      value;
};

// The node being exported (nodeId, params, inputTypes, outputTypes) comes from ExportNode;
// input(i) is the ONNX value feeding input slot i.
class OnnxContext : public ExportNode {
 public:
  // Declares the ONNX value that carries output port i.
  virtual void setOutput(size_t i, const std::string& value) = 0;
  // The node's trained parameter by its PyTorch name ("weight", "self_attn.in_proj_weight"),
  // as an initializer named "<node>.<name>" (added on first use; the importer finds the trained
  // weights under these names). Empty when the node has no such parameter (a bias left out).
  virtual std::string weight(const std::string& name) = 0;

  // Adds a float32/int64 initializer; the name is made unique under the node id. Returns it.
  virtual std::string constant(const std::string& name, const Tensor& value) = 0;
  std::string ints(const std::string& name, const std::vector<int64_t>& values);
  std::string scalar(const std::string& name, float value);
  // Adds a node; returns its output value names (fresh, unique). Empty input names are kept as
  // ONNX's "omitted optional input".
  virtual std::vector<std::string> op(const std::string& type,
                                      const std::vector<std::string>& inputs, int numOutputs = 1,
                                      const std::vector<OnnxAttr>& attrs = {}) = 0;
  std::string op1(const std::string& type, const std::vector<std::string>& inputs,
                  const std::vector<OnnxAttr>& attrs = {}) {
    return op(type, inputs, 1, attrs).at(0);
  }
};

// Shared decompositions used by several families (engine/io/onnx/onnx_context.cpp).
namespace onnx_ops {
// y = x W^T + b on the last dim; Gemm for rank 2, MatMul(+Add) otherwise. bias may be undefined.
// weight/bias are value names ([out, in] and [out]); bias may be empty.
std::string linear(OnnxContext& c, const std::string& x, int rank, const std::string& weight,
                   const std::string& bias);
std::string layerNorm(OnnxContext& c, const std::string& x, const std::string& weight,
                      const std::string& bias, float eps);
// x * Phi(x) as Div/Erf/Add/Mul (exact) or the tanh formula.
std::string gelu(OnnxContext& c, const std::string& x, bool tanhApprox);
// Multi-head attention, batch-first: q [B,T,E], k and v [B,S,E] (self-attention when both are
// q); mask: "" or a [B,S] value (float or int64, nonzero = padding). Weights by PyTorch names
// under `prefix`; *weightsOut receives the head-averaged probabilities [B,T,S].
std::string attention(OnnxContext& c, const std::string& q, const std::string& k,
                      const std::string& v, const std::string& mask, int64_t E, int64_t heads,
                      bool causal, const std::string& prefix, std::string* weightsOut = nullptr);
}  // namespace onnx_ops

}  // namespace strata
