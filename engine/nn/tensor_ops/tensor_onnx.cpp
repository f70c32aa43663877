// The tensor layers as ONNX (opset 17): Permute -> Transpose, Reshape -> Reshape (the same 0/-1
// rule), MatMul/Mul/Sub/Div -> themselves (numpy broadcasting in both), Slice -> Slice, Reduce ->
// ReduceMean/ReduceMax (axes attribute) or ReduceSum (axes input), Elementwise -> its ONNX op
// (Exp, Log, Sqrt, ..., Elu, LeakyRelu, Selu), LogSoftmax -> LogSoftmax, Constant -> Identity
// of its initializer.
#include <map>

#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withTensorOpsOnnx(LayerSpec s) {
  const std::string type = s.type;
  s.toOnnx = [type](OnnxContext& c) {
    const Json& p = c.params();
    if (type == "Permute") {
      c.setOutput(0, c.op1("Transpose", {c.input(0)},
                           {{"perm", p.at("dims").get<std::vector<int64_t>>()}}));
    } else if (type == "Reshape") {
      const std::string shape = c.ints("shape", p.at("shape").get<std::vector<int64_t>>());
      c.setOutput(0, c.op1("Reshape", {c.input(0), shape}));
    } else if (type == "MatMul" || type == "Mul" || type == "Sub" || type == "Div") {
      c.setOutput(0, c.op1(type, {c.input(0), c.input(1)}));
    } else if (type == "Reduce") {
      std::vector<int64_t> axes = p.at("dims").get<std::vector<int64_t>>();
      const int64_t rank = static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
      if (axes.empty())
        for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
      for (int64_t& a : axes)
        if (a < 0) a += rank;
      const int64_t keep = p.at("keepdim").get<bool>() ? 1 : 0;
      if (p.at("mode") != "sum")
        c.setOutput(0, c.op1(p.at("mode") == "mean" ? "ReduceMean" : "ReduceMax", {c.input(0)},
                             {{"axes", axes}, {"keepdims", keep}}));
      else
        c.setOutput(0, c.op1("ReduceSum", {c.input(0), c.ints("axes", axes)},
                             {{"keepdims", keep}}));
    } else if (type == "Slice") {
      int64_t dim = p.at("dim").get<int64_t>();
      if (dim < 0) dim += static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
      c.setOutput(0, c.op1("Slice", {c.input(0), c.ints("starts", {p.at("start").get<int64_t>()}),
                                     c.ints("ends", {p.at("end").get<int64_t>()}),
                                     c.ints("axes", {dim})}));
    } else if (type == "Elementwise") {
      const std::string fn = p.at("function").get<std::string>();
      const float alpha = p.at("alpha").get<float>();
      static const std::map<std::string, std::string> names = {
          {"exp", "Exp"}, {"log", "Log"}, {"sqrt", "Sqrt"}, {"reciprocal", "Reciprocal"},
          {"abs", "Abs"}, {"neg", "Neg"}, {"erf", "Erf"}, {"softplus", "Softplus"},
          {"softsign", "Softsign"}, {"elu", "Elu"}, {"leaky_relu", "LeakyRelu"}, {"selu", "Selu"}};
      std::vector<OnnxAttr> attrs;
      if (fn == "elu" || fn == "leaky_relu") attrs.push_back({"alpha", alpha});
      c.setOutput(0, c.op1(names.at(fn), {c.input(0)}, attrs));
    } else if (type == "LogSoftmax") {
      c.setOutput(0, c.op1("LogSoftmax", {c.input(0)}, {{"axis", p.at("dim").get<int64_t>()}}));
    } else if (type == "Constant") {
      c.setOutput(0, c.op1("Identity", {c.weight("value")}));
    } else {
      return Status::error("no ONNX mapping for " + type);
    }
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
