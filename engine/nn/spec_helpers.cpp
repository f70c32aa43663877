// Builders shared by the layer families.
#include "nn/spec_helpers.h"

#include <climits>

namespace strata::nn {

ParamSpec intParam(std::string name, Json defaultValue, double minValue, std::string help,
                   double maxValue) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Int;
  p.defaultValue = std::move(defaultValue);
  p.minValue = minValue;
  p.maxValue = maxValue;
  p.help = std::move(help);
  return p;
}

ParamSpec inferredIntParam(std::string name, double minValue, std::string help) {
  ParamSpec p = intParam(std::move(name), nullptr, minValue, std::move(help));
  p.inferred = true;
  return p;
}

ParamSpec floatParam(std::string name, Json defaultValue, double minValue, double maxValue,
                     std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Float;
  p.defaultValue = std::move(defaultValue);
  p.minValue = minValue;
  p.maxValue = maxValue;
  p.help = std::move(help);
  return p;
}

ParamSpec boolParam(std::string name, bool defaultValue, std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Bool;
  p.defaultValue = defaultValue;
  p.help = std::move(help);
  return p;
}

ParamSpec choiceParam(std::string name, std::vector<std::string> choices, Json defaultValue,
                      std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::Choice;
  p.choices = std::move(choices);
  p.defaultValue = std::move(defaultValue);
  p.help = std::move(help);
  return p;
}

PortSpec port(std::string name, ValueKind kind, std::string help) {
  PortSpec p;
  p.name = std::move(name);
  p.kind = kind;
  p.help = std::move(help);
  return p;
}

std::string typeToString(const TensorType& t) {
  return std::string(valueKindName(t.kind)) + " " + shapeToString(t.shape);
}

int64_t flopsMul(std::initializer_list<int64_t> factors) {
  int64_t n = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(n, f, &n)) return INT64_MAX;
  return n;
}

int64_t flopsAdd(int64_t a, int64_t b) {
  int64_t n;
  return __builtin_add_overflow(a, b, &n) ? INT64_MAX : n;
}

int64_t perSample(const Shape& s) {
  int64_t n = 1;
  for (size_t i = 1; i < s.size(); ++i)
    if (__builtin_mul_overflow(n, s[i] >= 0 ? s[i] : 1, &n)) return INT64_MAX;
  return n;
}

int normalizeDim(int64_t dim, int rank) {
  int64_t d = dim < 0 ? dim + rank : dim;
  return d >= 0 && d < rank ? static_cast<int>(d) : -1;
}

std::string requireRank(const std::optional<TensorType>& in, const std::string& port,
                        size_t minRank, const std::string& what) {
  if (!in) return "input '" + port + "' is not connected";
  if (in->shape.size() < minRank)
    return "input '" + port + "' must be " + what + ", got " + typeToString(*in);
  return {};
}

std::function<Result<ShapeResult>(const ShapeContext&)> sameShapeRule(int64_t flopsPerElement) {
  return [flopsPerElement](const ShapeContext& ctx) -> Result<ShapeResult> {
    std::string err = requireRank(ctx.inputs.at(0), "in", 1, "a tensor");
    if (!err.empty()) return Result<ShapeResult>::error(err);
    ShapeResult r;
    r.params = ctx.params;
    r.outputs = {*ctx.inputs[0]};
    r.flops = flopsPerElement * perSample(ctx.inputs[0]->shape);
    return r;
  };
}

}  // namespace strata::nn
