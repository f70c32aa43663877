// RNN, LSTM and GRU as PyTorch: nn.RNN/LSTM/GRU(batch_first=True) with the same params; the
// optional h0 (and c0) ports become the initial state (zeros when unconnected, as in Strata).
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

Status recurrentToPyTorch(const std::string& type, PyTorchContext& c) {
  const Json& p = c.params();
  if (type == "GRU" && !p.value("linear_before_reset", true))
    return Status::error("GRU with linear_before_reset=false has no PyTorch module (nn.GRU "
                         "applies the reset gate after the linear map): set "
                         "linear_before_reset=true, which changes what the weights compute");
  const int64_t layers = p.at("num_layers").get<int64_t>();
  std::string ctor = "nn." + type + "(" + py::integer(p.at("input_size").get<int64_t>()) + ", " +
                     py::integer(p.at("hidden_size").get<int64_t>()) +
                     ", num_layers=" + py::integer(layers);
  if (type == "RNN")
    ctor += ", nonlinearity=" + py::string(p.at("nonlinearity").get<std::string>());
  // Dropout acts between stacked layers only; PyTorch warns about it on a single layer.
  const double dropout = layers > 1 ? p.at("dropout").get<double>() : 0.0;
  ctor += ", bias=" + py::boolean(p.at("bias").get<bool>()) +
          ", batch_first=True, dropout=" + py::number(dropout) +
          ", bidirectional=" + py::boolean(p.at("bidirectional").get<bool>()) + ")";
  const std::string m = c.module(ctor);
  const std::string x = c.input(0), h0 = c.input(1);
  std::string state = h0.empty() ? "None" : h0;
  if (type == "LSTM") {
    const std::string c0 = c.input(2);
    if (!h0.empty() && !c0.empty()) state = "(" + h0 + ", " + c0 + ")";
    else if (!h0.empty()) state = "(" + h0 + ", torch.zeros_like(" + h0 + "))";
    else if (!c0.empty()) state = "(torch.zeros_like(" + c0 + "), " + c0 + ")";
  }
  const std::string out = c.var(c.nodeId()), hn = c.var(c.nodeId() + "_h_n");
  if (type == "LSTM") {
    const std::string cn = c.var(c.nodeId() + "_c_n");
    c.line(out + ", (" + hn + ", " + cn + ") = " + m + "(" + x + ", " + state + ")");
    c.setOutput(2, cn);
  } else {
    c.line(out + ", " + hn + " = " + m + "(" + x + ", " + state + ")");
  }
  c.setOutput(0, out);
  c.setOutput(1, hn);
  return Status::ok();
}

}  // namespace

LayerSpec withRecurrentPyTorch(LayerSpec s) {
  s.toPyTorch = [type = s.type](PyTorchContext& c) { return recurrentToPyTorch(type, c); };
  return s;
}

}  // namespace strata::nn
