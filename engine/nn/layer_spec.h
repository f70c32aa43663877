// The layer catalogue: one LayerSpec per layer type, the single source of truth for the palette,
// the inspector, the docs panel, validation, shape inference and compilation. Each layer family
// lives in its own folder under engine/nn/ and registers its specs with one line in registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "nn/module.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace strata {

using Json = nlohmann::json;

// Size limits, so a typo or a hostile file is refused by analyze() (naming the node) before
// anything is allocated: a parameter tensor, or one sample of any output, may hold at most
// kMaxTensorElements elements (8 GiB of float32); a model at most kMaxModelParameters parameters.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 31;
inline constexpr int64_t kMaxModelParameters = 4'000'000'000;

class OnnxContext;  // engine/io/onnx/onnx_context.h: how a family writes its ONNX nodes
class PyTorchContext;  // engine/io/pytorch/pytorch_context.h: how a family writes its Python
class TfjsContext;  // engine/io/tfjs/tfjs_context.h: how a family writes its Keras layers

enum class ParamType { Int, Float, Bool, Choice, IntList, String };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Int;
  Json defaultValue;          // null: required, unless `inferred`
  bool inferred = false;      // may be left out and follows from the input shape
  double minValue = -1e300;   // inclusive bounds for Int/Float (and IntList elements)
  double maxValue = 1e300;
  std::vector<std::string> choices;  // for Choice
  std::string help;                  // one line, shown in the inspector
};

// What flows on an edge.
enum class ValueKind { Float, Int64, Any };
const char* valueKindName(ValueKind k);

struct PortSpec {
  std::string name;
  ValueKind kind = ValueKind::Float;
  bool optional = false;
  // Variadic ports accept name0, name1, ... (Concat's in0, in1, ...); at least two must be connected.
  bool variadic = false;
  // Fed by the data set rather than by an edge (a loss's `target`): never connected, never
  // reported as unconnected; the layer's shape rule states its type in ShapeResult::target.
  bool fromData = false;
  std::string help;
};

// The type of a value on an edge: kind and (possibly symbolic) shape, batch included.
struct TensorType {
  ValueKind kind = ValueKind::Float;
  Shape shape;
};

// Input to a shape rule.
struct ShapeContext {
  Json params;  // the node's params with defaults filled in
  // One entry per connected input port, in spec order (variadic ports expanded in index order);
  // nullopt for an unconnected optional port and for a `fromData` port.
  std::vector<std::optional<TensorType>> inputs;
  std::vector<std::string> inputNames;  // the port names of `inputs`, e.g. "in0", "in1"
};

// Output of a shape rule.
struct ShapeResult {
  std::vector<TensorType> outputs;  // one per output port
  Json params;                      // the params with inferred values filled in
  std::vector<std::pair<std::string, Shape>> parameters;  // "weight" -> [out, in], in order
  int64_t flops = 0;  // multiply-adds x2 for one sample (batch 1; variable lengths taken as 1)
  std::optional<TensorType> target;  // the type the data set feeds to a `fromData` port
};

struct LayerSpec {
  std::string type;      // "Linear"; PyTorch's module name where there is one
  std::string category;  // Inputs, Recurrent, Attention, Dense, Activations, Structure, Losses
  std::string summary;   // one line
  std::string doc;       // one paragraph: what it computes, its shapes, when to use it
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::vector<ParamSpec> params;
  bool isInput = false;   // Input: fed by the data set or `run --input`
  bool isOutput = false;  // Output: marks a model output
  bool isLoss = false;    // loss: its `target` port is fed by the data set's targets

  // Checks params against the inputs and computes output types. An Err names the reason only;
  // the caller adds the node id.
  std::function<Result<ShapeResult>(const ShapeContext&)> infer;
  // Builds the executable module from the resolved params (after infer) and input types.
  // Null for layers with nothing to execute (Input, Output).
  std::function<std::unique_ptr<Module>(const Json& params, const ShapeResult& shapes,
                                        const std::vector<std::optional<TensorType>>& inputs)>
      create;
  // Writes the node as ONNX (opset 17) nodes through the context: reads ctx.input(i), declares
  // ctx.setOutput(i). Null for layers that are not part of an inference graph (losses) and for
  // Input/Output, which the exporter handles itself. An Err names the reason only.
  std::function<Status(OnnxContext& ctx)> toOnnx;
  // Writes the node as PyTorch code through the context: declares its submodule (named by the
  // node id) and the forward lines that read ctx.input(i) and set ctx.setOutput(i); a loss
  // writes the body of the model's loss(). Null for Input/Output, which the exporter handles.
  // An Err names the reason only.
  std::function<Status(PyTorchContext& ctx)> toPyTorch;
  // Writes the node as Keras-2 layers of a TensorFlow.js layers model through the context: its
  // layers (weights in Keras layout) and ctx.setOutput(i). Null for Input/Output and losses,
  // which the exporter handles, and for layers with no Keras form. An Err names the reason and,
  // where there is one, the fix.
  std::function<Status(TfjsContext& ctx)> toTfjs;

  const ParamSpec* param(const std::string& name) const;
  const PortSpec* inputPort(const std::string& name) const;  // resolves variadic "in3" -> "in"
  const PortSpec* outputPort(const std::string& name) const;
};

class LayerRegistry {
 public:
  static const LayerRegistry& instance();
  const LayerSpec* find(const std::string& type) const;
  const std::vector<LayerSpec>& all() const { return m_specs; }
  void add(LayerSpec spec) { m_specs.push_back(std::move(spec)); }

 private:
  std::vector<LayerSpec> m_specs;
};

// Fills defaults into params and checks types, ranges and choices of the given keys against the
// spec. Unknown keys are an error. Returns the completed params or the first problem
// ("param 'hidden_size' must be an integer >= 1").
Result<Json> normalizeParams(const LayerSpec& spec, const Json& params);

}  // namespace strata
