// The tensor layers as PyTorch: x.permute(dims), x.reshape(...) with ONNX's 0 ("keep this dim")
// spelled out as x.shape[i], torch.matmul, a * b / a - b / a / b, x.narrow for Slice,
// x.mean/sum/amax over dims, Elementwise as torch.<fn> / F.<fn>, torch.log_softmax, and Constant
// as an nn.ParameterDict holding `value` (state_dict key "<node>.value", Strata's weight name).
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

std::string intTuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + py::integer(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

LayerSpec withTensorOpsPyTorch(LayerSpec s) {
  const std::string type = s.type;
  s.toPyTorch = [type](PyTorchContext& c) {
    const Json& p = c.params();
    std::string expr;
    if (type == "Permute") {
      expr = c.input(0) + ".permute" + intTuple(p.at("dims").get<std::vector<int64_t>>());
    } else if (type == "Reshape") {
      const auto target = p.at("shape").get<std::vector<int64_t>>();
      std::string dims;
      for (size_t i = 0; i < target.size(); ++i)
        dims += (i ? ", " : "") + (target[i] == 0 ? c.input(0) + ".shape[" +
                                                        py::integer(int64_t(i)) + "]"
                                                  : py::integer(target[i]));
      expr = c.input(0) + ".reshape(" + dims + (target.size() == 1 ? ",)" : ")");
    } else if (type == "MatMul") {
      expr = "torch.matmul(" + c.input(0) + ", " + c.input(1) + ")";
    } else if (type == "Mul" || type == "Sub" || type == "Div") {
      const std::string op = type == "Mul" ? " * " : type == "Sub" ? " - " : " / ";
      expr = c.input(0) + op + c.input(1);
    } else if (type == "Reduce") {
      const auto dims = p.at("dims").get<std::vector<int64_t>>();
      const std::string x = c.input(0);
      const std::string dimArg = dims.empty() ? "tuple(range(" + x + ".dim()))" : intTuple(dims);
      const std::string mode = p.at("mode").get<std::string>();
      expr = x + (mode == "mean" ? ".mean(" : mode == "max" ? ".amax(" : ".sum(") + "dim=" +
             dimArg + ", keepdim=" + py::boolean(p.at("keepdim").get<bool>()) + ")";
    } else if (type == "Slice") {
      const int64_t start = p.at("start").get<int64_t>(), end = p.at("end").get<int64_t>();
      expr = c.input(0) + ".narrow(" + py::integer(p.at("dim").get<int64_t>()) + ", " +
             py::integer(start) + ", " + py::integer(end - start) + ")";
    } else if (type == "Elementwise") {
      const std::string fn = p.at("function").get<std::string>(), x = c.input(0);
      const std::string alpha = py::number(p.at("alpha").get<double>());
      if (fn == "reciprocal") expr = "torch.reciprocal(" + x + ")";
      else if (fn == "softplus") expr = "F.softplus(" + x + ")";
      else if (fn == "softsign") expr = "F.softsign(" + x + ")";
      else if (fn == "elu") expr = "F.elu(" + x + ", alpha=" + alpha + ")";
      else if (fn == "leaky_relu") expr = "F.leaky_relu(" + x + ", negative_slope=" + alpha + ")";
      else if (fn == "selu") expr = "F.selu(" + x + ")";
      else expr = "torch." + fn + "(" + x + ")";  // exp, log, sqrt, abs, neg, erf
    } else if (type == "LogSoftmax") {
      expr = "torch.log_softmax(" + c.input(0) + ", dim=" +
             py::integer(p.at("dim").get<int64_t>()) + ")";
    } else if (type == "Constant") {
      const auto shape = p.at("shape").get<std::vector<int64_t>>();
      std::string sizes;
      for (size_t i = 0; i < shape.size(); ++i) sizes += (i ? ", " : "") + py::integer(shape[i]);
      const std::string m = c.module("nn.ParameterDict({'value': nn.Parameter(torch.zeros(" +
                                     (shape.empty() ? std::string("()") : sizes) + "))})");
      expr = m + "['value']";
    } else {
      return Status::error("no PyTorch mapping for " + type);
    }
    c.assignOutput(expr);
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
