// RNN, LSTM and GRU as Keras: one SimpleRNN / LSTM / GRU layer (return_sequences) per stacked
// layer, wrapped in Bidirectional(merge_mode="concat") when bidirectional, with Dropout between
// layers when the node has inter-layer dropout. Weights: kernel = weight_ih^T, recurrent_kernel
// = weight_hh^T, bias = bias_ih + bias_hh; LSTM gates i,f,c,o are PyTorch's order, GRU gates go
// from PyTorch's r,z,n to Keras's z,r,h. tfjs's GRU has only reset_after=false, which is
// Strata's GRU with linear_before_reset=false (every bias folds outside r); recurrent_activation
// is written as "sigmoid" (tfjs's default is hard_sigmoid).
#include <string>
#include <vector>

#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

// PyTorch gate blocks -> Keras order.
std::vector<int> gatePermutation(const std::string& type) {
  if (type == "LSTM") return {0, 1, 2, 3};
  if (type == "GRU") return {1, 0, 2};
  return {0};
}

std::string kerasClass(const std::string& type) {
  return type == "RNN" ? "SimpleRNN" : type;
}

// The inner layer's name inside Bidirectional (Keras's default names: lstm, gru, simple_rnn).
std::string innerName(const std::string& type) {
  return type == "RNN" ? "simple_rnn" : type == "LSTM" ? "lstm" : "gru";
}

Status recurrentToTfjs(const std::string& type, TfjsContext& c) {
  const Json& p = c.params();
  const int64_t H = p.at("hidden_size").get<int64_t>();
  const int64_t L = p.at("num_layers").get<int64_t>();
  const bool bidir = p.at("bidirectional").get<bool>();
  const bool bias = p.at("bias").get<bool>();
  const double dropout = p.at("dropout").get<double>();
  const bool lstm = type == "LSTM";

  if (type == "GRU" && p.value("linear_before_reset", true))
    return Status::error(
        "a PyTorch-style GRU (linear_before_reset: true) has no TensorFlow.js form: tfjs's GRU "
        "supports only reset_after=false (Keras's classic GRU, where the reset gate acts before "
        "the recurrent product); set linear_before_reset to false and train again");
  if (!c.input(1).empty() || (lstm && !c.input(2).empty()))
    return Status::error(std::string("the initial state ") + (lstm ? "(h0/c0)" : "(h0)") +
                         " has no TensorFlow.js form here: Keras takes one [B, hidden] state "
                         "per layer and direction, Strata one [layers * directions, B, hidden] "
                         "tensor; leave h0" + (lstm ? " and c0" : "") + " unconnected");
  for (size_t i = 1; i < c.outputTypes().size(); ++i)
    if (c.outputUsed(i))
      return Status::error(std::string("output '") + (i == 1 ? "h_n" : "c_n") +
                           "' [layers * directions, B, hidden] has no TensorFlow.js form (Keras "
                           "returns states per layer, batch first); use 'out', e.g. through "
                           "SequencePool 'last', instead");

  const std::vector<int> perm = gatePermutation(type);
  Json cell = {{"units", H},
               {"activation", type == "RNN" ? p.value("nonlinearity", std::string("tanh"))
                                            : std::string("tanh")},
               {"use_bias", bias},
               {"return_sequences", true},
               {"return_state", false},
               {"go_backwards", false},
               {"stateful", false},
               {"unroll", false},
               {"dropout", 0.0},
               {"recurrent_dropout", 0.0}};
  if (type != "RNN") cell["recurrent_activation"] = "sigmoid";
  if (lstm) cell["unit_forget_bias"] = true;
  if (type == "GRU") cell["reset_after"] = false;

  auto weights = [&](int64_t layer, bool reverse, const std::string& prefix) {
    const std::string s = "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
    std::vector<KerasWeight> w{
        {prefix + "kernel",
         keras::transposed(keras::gatesReordered(c.param("weight_ih" + s), perm))},
        {prefix + "recurrent_kernel",
         keras::transposed(keras::gatesReordered(c.param("weight_hh" + s), perm))}};
    if (bias)
      w.push_back({prefix + "bias", keras::gatesReordered(keras::sum(c.param("bias_ih" + s),
                                                                     c.param("bias_hh" + s)),
                                                          perm)});
    return w;
  };

  std::string x = c.input(0);
  for (int64_t l = 0; l < L; ++l) {
    if (l > 0 && dropout > 0)
      x = c.layer("Dropout", "drop" + std::to_string(l), {{"rate", dropout}}, {x});
    const std::string suffix = L == 1 ? "" : "l" + std::to_string(l);
    if (!bidir) {
      x = c.layer(kerasClass(type), suffix, cell, {x}, weights(l, false, ""));
      continue;
    }
    const std::string inner = innerName(type);
    Json innerConfig = cell;
    innerConfig["name"] = inner;
    innerConfig["trainable"] = true;
    innerConfig["dtype"] = "float32";
    std::vector<KerasWeight> w = weights(l, false, "forward_" + inner + "/");
    for (KerasWeight& b : weights(l, true, "backward_" + inner + "/")) w.push_back(std::move(b));
    x = c.layer("Bidirectional", suffix,
                {{"layer", {{"class_name", kerasClass(type)}, {"config", innerConfig}}},
                 {"merge_mode", "concat"}},
                {x}, std::move(w));
  }
  c.setOutput(0, x);
  return Status::ok();
}

}  // namespace

LayerSpec withRecurrentTfjs(LayerSpec s) {
  s.toTfjs = [type = s.type](TfjsContext& c) { return recurrentToTfjs(type, c); };
  return s;
}

}  // namespace strata::nn
