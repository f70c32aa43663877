// Small builders shared by the layer families: parameter and port specs, shape helpers for shape
// rules, and a module that wraps a stateless function. Families include this; nothing else does.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "nn/layer_spec.h"

namespace strata::nn {

ParamSpec intParam(std::string name, Json defaultValue, double minValue, std::string help,
                   double maxValue = 1e300);
// An integer that may be left out and then follows from the input shape.
ParamSpec inferredIntParam(std::string name, double minValue, std::string help);
ParamSpec floatParam(std::string name, Json defaultValue, double minValue, double maxValue,
                     std::string help);
ParamSpec boolParam(std::string name, bool defaultValue, std::string help);
ParamSpec choiceParam(std::string name, std::vector<std::string> choices, Json defaultValue,
                      std::string help);

PortSpec port(std::string name, ValueKind kind, std::string help);

// "float32 [B, T, 64]"
std::string typeToString(const TensorType& t);
// FLOP arithmetic that saturates at INT64_MAX instead of overflowing: sizes come from user files,
// and analyze() reports a saturated count as an error naming the node.
int64_t flopsMul(std::initializer_list<int64_t> factors);
int64_t flopsAdd(int64_t a, int64_t b);
// Elements of one sample: the product of all dims but the batch; variable dims count as 1.
int64_t perSample(const Shape& s);
// Resolves a possibly negative dim against a rank; -1 when out of range.
int normalizeDim(int64_t dim, int rank);
// Rejects a missing input or one of rank below `minRank` (batch included). Empty when fine.
std::string requireRank(const std::optional<TensorType>& in, const std::string& port,
                        size_t minRank, const std::string& what);

// A stateless one-in/one-out layer (activations, Dropout): forward is the function.
class FunctionModule final : public Module {
 public:
  using Fn = std::function<Tensor(const Tensor&, ForwardContext&)>;
  explicit FunctionModule(Fn fn) : m_fn(std::move(fn)) {}
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) override {
    return {m_fn(inputs.at(0), ctx)};
  }

 private:
  Fn m_fn;
};

// A shape rule for layers whose single output has the input's type (activations, Dropout):
// float input of any rank, `flopsPerElement` operations per element of one sample.
std::function<Result<ShapeResult>(const ShapeContext&)> sameShapeRule(int64_t flopsPerElement);

}  // namespace strata::nn
