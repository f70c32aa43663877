// The Transformer family as PyTorch: nn.MultiheadAttention and nn.TransformerEncoderLayer /
// DecoderLayer with batch_first=True (Strata's `causal` becomes a bool attn_mask, its padding
// masks `mask != 0`), and PositionalEncoding as a small module defined in the generated file: the
// sinusoid table a non-persistent buffer (not in state_dict), the learned table the parameter
// `weight`.
#include <string>

#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

// Same table as PositionalEncodingModule: computed in double, rounded once to float32.
constexpr const char* kPositionalEncodingClass = R"(class PositionalEncoding(nn.Module):
    """Strata's PositionalEncoding: x [B, T, d] + table[:T]. kind 'sinusoidal' keeps the fixed
    table as a non-persistent buffer; kind 'learned' trains it as the parameter `weight`."""

    def __init__(self, d, max_len, learned):
        super().__init__()
        self.learned = learned
        if learned:
            self.weight = nn.Parameter(torch.empty(max_len, d))
            nn.init.normal_(self.weight, std=0.02)
        else:
            pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
            j = torch.arange(d)
            i2 = (j - j % 2).to(torch.float64)
            angle = pos * torch.exp(-math.log(10000.0) * i2 / d)
            table = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))
            self.register_buffer('pe', table.to(torch.float32), persistent=False)

    def forward(self, x):
        table = self.weight if self.learned else self.pe
        if x.size(1) > table.size(0):
            raise ValueError(f'sequence length {x.size(1)} is longer than max_len {table.size(0)}')
        return x + table[:x.size(1)]
)";

Status positionalEncodingToPyTorch(PyTorchContext& c) {
  c.helper("PositionalEncoding", kPositionalEncodingClass);
  const Json& p = c.params();
  const int64_t d = c.inputTypes().at(0)->shape.at(2);
  const std::string m = c.module(
      "PositionalEncoding(" + py::integer(d) + ", " + py::integer(p.at("max_len").get<int64_t>()) +
      ", learned=" + py::boolean(p.at("kind").get<std::string>() == "learned") + ")");
  c.assignOutput(m + "(" + c.input(0) + ")");
  return Status::ok();
}

Status multiheadAttentionToPyTorch(PyTorchContext& c) {
  const Json& p = c.params();
  const std::string m = c.module(
      "nn.MultiheadAttention(" + py::integer(p.at("embed_dim").get<int64_t>()) + ", " +
      py::integer(p.at("num_heads").get<int64_t>()) +
      ", dropout=" + py::number(p.at("dropout").get<double>()) +
      ", bias=" + py::boolean(p.at("bias").get<bool>()) + ", batch_first=True)");
  const std::string q = c.input(0);
  const std::string k = c.input(1).empty() ? q : c.input(1);
  const std::string v = c.input(2).empty() ? k : c.input(2);
  std::string args = q + ", " + k + ", " + v;
  if (!c.input(3).empty()) args += ", key_padding_mask=" + py::paddingMask(c.input(3));
  const bool weights = c.outputUsed(1);
  args += std::string(", need_weights=") + (weights ? "True" : "False");
  if (p.at("causal").get<bool>())
    args += ", attn_mask=" +
            py::causalMask(c, q + ".size(1)", k + ".size(1)", q + ".device");
  const std::string out = c.var(c.nodeId());
  const std::string w = weights ? c.var(c.nodeId() + "_weights") : "_";
  c.line(out + ", " + w + " = " + m + "(" + args + ")");
  c.setOutput(0, out);
  if (weights) c.setOutput(1, w);
  return Status::ok();
}

std::string blockConstructor(const std::string& cls, const Json& p) {
  return "nn." + cls + "(" + py::integer(p.at("d_model").get<int64_t>()) + ", " +
         py::integer(p.at("nhead").get<int64_t>()) +
         ", dim_feedforward=" + py::integer(p.at("dim_feedforward").get<int64_t>()) +
         ", dropout=" + py::number(p.at("dropout").get<double>()) +
         ", activation=" + py::string(p.at("activation").get<std::string>()) +
         ", layer_norm_eps=" + py::number(p.at("layer_norm_eps").get<double>()) +
         ", batch_first=True, norm_first=" + py::boolean(p.at("norm_first").get<bool>()) + ")";
}

Status encoderToPyTorch(PyTorchContext& c) {
  const Json& p = c.params();
  const std::string m = c.module(blockConstructor("TransformerEncoderLayer", p));
  const std::string x = c.input(0);
  std::string args = x;
  if (p.at("causal").get<bool>())
    args += ", src_mask=" + py::causalMask(c, x + ".size(1)", x + ".size(1)", x + ".device");
  if (!c.input(1).empty()) args += ", src_key_padding_mask=" + py::paddingMask(c.input(1));
  c.assignOutput(m + "(" + args + ")");
  return Status::ok();
}

Status decoderToPyTorch(PyTorchContext& c) {
  const Json& p = c.params();
  const std::string m = c.module(blockConstructor("TransformerDecoderLayer", p));
  const std::string t = c.input(0);
  std::string args = t + ", " + c.input(1);
  if (p.at("causal").get<bool>())
    args += ", tgt_mask=" + py::causalMask(c, t + ".size(1)", t + ".size(1)", t + ".device");
  if (!c.input(2).empty()) args += ", tgt_key_padding_mask=" + py::paddingMask(c.input(2));
  if (!c.input(3).empty()) args += ", memory_key_padding_mask=" + py::paddingMask(c.input(3));
  c.assignOutput(m + "(" + args + ")");
  return Status::ok();
}

}  // namespace

LayerSpec withTransformerPyTorch(LayerSpec s) {
  if (s.type == "PositionalEncoding") s.toPyTorch = positionalEncodingToPyTorch;
  if (s.type == "MultiheadAttention") s.toPyTorch = multiheadAttentionToPyTorch;
  if (s.type == "TransformerEncoderLayer") s.toPyTorch = encoderToPyTorch;
  if (s.type == "TransformerDecoderLayer") s.toPyTorch = decoderToPyTorch;
  return s;
}

}  // namespace strata::nn
