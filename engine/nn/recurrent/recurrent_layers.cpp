// Recurrent layers: RNN, LSTM and GRU, PyTorch's nn.RNN / nn.LSTM / nn.GRU with batch_first=True,
// on the strata::recurrent op (oneDNN RNN primitives).
#include <string>

#include "nn/recurrent/rnn_op.h"
#include "nn/spec_helpers.h"

namespace strata::nn {

LayerSpec withRecurrentOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withRecurrentPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withRecurrentTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

namespace {

// More stacked layers than anyone trains; the shape rule loops over them and lists 4 weights each.
constexpr double kMaxRecurrentLayers = 1024;

RecurrentConfig configFrom(RecurrentMode mode, const Json& p) {
  RecurrentConfig cfg;
  cfg.mode = mode;
  if (mode == RecurrentMode::RnnTanh && p.value("nonlinearity", "tanh") == "relu")
    cfg.mode = RecurrentMode::RnnRelu;
  cfg.inputSize = p.at("input_size").get<int64_t>();
  cfg.hiddenSize = p.at("hidden_size").get<int64_t>();
  cfg.numLayers = p.at("num_layers").get<int64_t>();
  cfg.bias = p.at("bias").get<bool>();
  cfg.bidirectional = p.at("bidirectional").get<bool>();
  cfg.dropout = p.at("dropout").get<float>();
  if (mode == RecurrentMode::Gru) cfg.linearBeforeReset = p.value("linear_before_reset", true);
  return cfg;
}

class RecurrentModule final : public Module {
 public:
  explicit RecurrentModule(const RecurrentConfig& cfg) : m_cfg(cfg) {
    for (const auto& [name, shape] : recurrentParameterShapes(cfg))
      m_params.push_back(addParameter(name, shape));
  }
  // in [B, T, I], h0 [L*D, B, H]?, c0 [L*D, B, H]? (LSTM) -> out [B, T, D*H], h_n (, c_n)
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) override {
    const bool lstm = m_cfg.mode == RecurrentMode::Lstm;
    Tensor h0 = inputs.size() > 1 ? inputs[1] : Tensor();
    Tensor c0 = lstm && inputs.size() > 2 ? inputs[2] : Tensor();
    RecurrentOutputs r = recurrent(m_cfg, inputs.at(0), h0, c0, m_params, ctx.training, ctx.rng);
    if (lstm) return {r.out, r.hN, r.cN};
    return {r.out, r.hN};
  }
  void resetParameters(Rng& rng) override { initRecurrentParameters(m_cfg, m_params, rng); }

 private:
  RecurrentConfig m_cfg;
  std::vector<Tensor> m_params;
};

// Two dims fit when equal or when either is not known yet.
bool dimsFit(int64_t a, int64_t b) { return a == b || a < 0 || b < 0; }

Result<ShapeResult> inferRecurrent(RecurrentMode mode, const ShapeContext& ctx) {
  using R = Result<ShapeResult>;
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "in", 3, "a sequence [B, T, input_size]");
  if (!err.empty()) return R::error(err);
  if (in->kind != ValueKind::Float)
    return R::error("input must be float32 [B, T, input_size], got " + typeToString(*in));
  if (in->shape.size() != 3)
    return R::error("input must be a sequence [B, T, input_size], got " +
                    shapeToString(in->shape));
  const int64_t features = in->shape[2];
  ShapeResult r;
  r.params = ctx.params;
  if (ctx.params.contains("input_size") && !ctx.params["input_size"].is_null()) {
    int64_t given = ctx.params["input_size"].get<int64_t>();
    if (features >= 0 && given != features)
      return R::error("input_size is " + std::to_string(given) + " but the input has " +
                      std::to_string(features) + " features (" + shapeToString(in->shape) + ")");
  } else {
    if (features < 0)
      return R::error("input_size cannot be inferred: the last dimension of " +
                      shapeToString(in->shape) + " is variable");
    r.params["input_size"] = features;
  }
  const RecurrentConfig cfg = configFrom(mode, r.params);
  const int64_t D = cfg.directions(), H = cfg.hiddenSize, L = cfg.numLayers;
  const int64_t batch = in->shape[0], seq = in->shape[1];
  const Shape state{L * D, batch, H};
  const bool lstm = mode == RecurrentMode::Lstm;
  for (size_t i = 1; i < ctx.inputs.size(); ++i) {
    const auto& s = ctx.inputs[i];
    if (!s) continue;  // optional state left unconnected: zeros
    const std::string& name = ctx.inputNames.at(i);
    if (s->kind != ValueKind::Float)
      return R::error(name + " must be float32, got " + typeToString(*s));
    bool fits = s->shape.size() == 3;
    for (size_t k = 0; fits && k < 3; ++k) fits = dimsFit(s->shape[k], state[k]);
    if (!fits)
      return R::error(name + " must be [num_layers * directions, B, hidden_size] = " +
                      shapeToString(state) + ", got " + shapeToString(s->shape));
  }
  r.outputs = {TensorType{ValueKind::Float, {batch, seq, D * H}},
               TensorType{ValueKind::Float, state}};
  if (lstm) r.outputs.push_back(TensorType{ValueKind::Float, state});
  r.parameters = recurrentParameterShapes(cfg);
  // Per time step and direction: the input and recurrent matrix products (2 flops per MAC).
  const int64_t G = recurrentGateCount(cfg.mode);
  int64_t perStep = 0;
  for (int64_t l = 0; l < L; ++l)
    perStep = flopsAdd(perStep, flopsMul({D * 2 * G, H, flopsAdd(l == 0 ? cfg.inputSize : D * H,
                                                                   H)}));
  r.flops = flopsMul({perStep, seq >= 0 ? seq : 1});
  return r;
}

std::vector<ParamSpec> commonParams(RecurrentMode mode) {
  const bool withNonlinearity = mode == RecurrentMode::RnnTanh;
  std::vector<ParamSpec> p{
      inferredIntParam("input_size", 1, "features per time step of the input (inferred)"),
      intParam("hidden_size", nullptr, 1, "features of the hidden state (per direction)"),
      intParam("num_layers", 1, 1, "recurrent layers stacked on top of each other",
               kMaxRecurrentLayers)};
  if (withNonlinearity)
    p.push_back(choiceParam("nonlinearity", {"tanh", "relu"}, "tanh",
                            "activation of the hidden state"));
  p.push_back(boolParam("bias", true, "learn the biases b_ih and b_hh"));
  p.push_back(boolParam("bidirectional", false,
                        "also run the sequence backwards and concatenate both outputs"));
  p.push_back(floatParam("dropout", 0.0, 0.0, 1.0,
                         "dropout on the outputs of each layer but the last (training only)"));
  if (mode == RecurrentMode::Gru)
    p.push_back(boolParam("linear_before_reset", true,
                          "true: r scales (W_hn h + b_hn), PyTorch's GRU; false: r scales h "
                          "first, ONNX's default and Keras's reset_after=False"));
  return p;
}

PortSpec optionalPort(std::string name, std::string help) {
  PortSpec p = port(std::move(name), ValueKind::Float, std::move(help));
  p.optional = true;
  return p;
}

LayerSpec recurrentSpec(RecurrentMode mode, std::string type, std::string summary,
                        std::string doc) {
  const bool lstm = mode == RecurrentMode::Lstm;
  LayerSpec s;
  s.type = std::move(type);
  s.category = "Recurrent";
  s.summary = std::move(summary);
  s.doc = std::move(doc);
  s.params = commonParams(mode);
  s.inputs = {port("in", ValueKind::Float, "[B, T, input_size]"),
              optionalPort("h0", "initial hidden state [num_layers * D, B, hidden_size]")};
  if (lstm)
    s.inputs.push_back(optionalPort("c0", "initial cell state [num_layers * D, B, hidden_size]"));
  s.outputs = {port("out", ValueKind::Float, "[B, T, D * hidden_size]: last layer, every step"),
               port("h_n", ValueKind::Float, "[num_layers * D, B, hidden_size]: final hidden")};
  if (lstm)
    s.outputs.push_back(
        port("c_n", ValueKind::Float, "[num_layers * D, B, hidden_size]: final cell state"));
  s.infer = [mode](const ShapeContext& ctx) { return inferRecurrent(mode, ctx); };
  s.create = [mode](const Json& p, const ShapeResult&,
                    const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<RecurrentModule>(configFrom(mode, p));
  };
  return withRecurrentTfjs(withRecurrentPyTorch(withRecurrentOnnx(std::move(s))));
}

}  // namespace

void registerRecurrentLayers(LayerRegistry& r) {
  r.add(recurrentSpec(
      RecurrentMode::RnnTanh, "RNN", "Elman recurrent network: h_t = tanh(W x_t + U h_(t-1) + b).",
      "RNN reads a sequence one step at a time and carries a hidden state of hidden_size numbers "
      "from step to step: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (or relu). An input "
      "[B, T, input_size] gives out [B, T, hidden_size], the hidden state at every step, and h_n "
      "[num_layers, B, hidden_size], the state after the last step (h0 sets the state before "
      "the first step; unconnected, it is zeros). With bidirectional a second RNN reads the "
      "sequence backwards and out has 2 * hidden_size features; num_layers stacks RNNs, each "
      "reading the outputs of the one below. It is the simplest recurrent layer and trains "
      "quickly, but its gradients vanish or explode over long sequences: prefer LSTM or GRU "
      "when what matters lies more than a few dozen steps back."));
  r.add(recurrentSpec(
      RecurrentMode::Lstm, "LSTM", "Long short-term memory: a gated recurrent layer with a cell.",
      "LSTM is a recurrent layer with two states: the hidden state h and a cell state c that "
      "works like a conveyor belt of memory. At every step four gates computed from x_t and "
      "h_(t-1) decide what to forget from c (f), what to write into it (i, g) and what to show "
      "as h (o): c_t = f * c_(t-1) + i * g, h_t = o * tanh(c_t). Because c is changed by "
      "addition rather than repeated multiplication, gradients survive over long sequences. An "
      "input [B, T, input_size] gives out [B, T, hidden_size] (2 * hidden_size when "
      "bidirectional) plus the final states h_n and c_n [num_layers * D, B, hidden_size]; h0 "
      "and c0 are optional initial states (zeros when unconnected). It has four times the "
      "weights of an RNN of the same size. A good default for sequence tasks such as time "
      "series prediction and character-level language models."));
  r.add(recurrentSpec(
      RecurrentMode::Gru, "GRU", "Gated recurrent unit: a lighter gated recurrent layer.",
      "GRU is a gated recurrent layer with one state. At every step a reset gate r decides how "
      "much of the previous state h_(t-1) to use when proposing a new state n = tanh(W_in x_t + "
      "b_in + r * (W_hn h_(t-1) + b_hn)), and an update gate z blends old and new: h_t = (1 - z) "
      "* n + z * h_(t-1). Like LSTM it keeps gradients alive over long sequences, with three "
      "gate blocks instead of four, so it is smaller and often as accurate. An input [B, T, "
      "input_size] gives out [B, T, hidden_size] (2 * hidden_size when bidirectional) and h_n "
      "[num_layers * D, B, hidden_size]; h0 is the optional initial state (zeros when "
      "unconnected). linear_before_reset (default true, PyTorch's GRU) chooses where r acts: "
      "false gives n = tanh(W_in x_t + b_in + W_hn (r * h_(t-1)) + b_hn), the GRU of ONNX's "
      "default and of Keras with reset_after=False, which TensorFlow.js needs; PyTorch has no "
      "such GRU, so it does not export to PyTorch."));
}

}  // namespace strata::nn
