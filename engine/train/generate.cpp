// Autoregressive generation: the context window is re-run each step (no state carried between
// steps), which costs O(context) per token but works for recurrent and attention models alike.
#include "train/generate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/rng.h"
#include "graph/model.h"
#include "tensor/autograd.h"
#include "train/data_request.h"
#include "train/data_set.h"

namespace strata {

namespace {

Result<std::string> checkLanguageModel(const Model& model) {
  using R = Result<std::string>;
  if (model.inputNames().size() != 1)
    return R::error("generation needs exactly one Input (token ids), the graph has " +
                    std::to_string(model.inputNames().size()));
  const std::string name = model.inputNames().front();
  const TensorType in = model.inputType(name);
  if (in.kind != ValueKind::Int64 || in.shape.size() != 2)
    return R::error("generation needs an int64 Input shaped [T] (token ids); '" + name +
                    "' is not");
  return name;
}

size_t utf8Length(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
}

std::string printable(const std::string& c) {
  if (c == "\n") return "\\n";
  if (c == "\t") return "\\t";
  if (c.size() == 1 && static_cast<unsigned char>(c[0]) < 0x20) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c[0]));
    return buf;
  }
  return c;
}

}  // namespace

Result<std::vector<std::string>> generationVocabulary(const Model& model,
                                                      const TrainSettings& settings) {
  using R = Result<std::vector<std::string>>;
  if (settings.data.rfind("text:", 0) != 0)
    return R::error("data " + settings.data +
                    ": generation needs the text:FILE data set the model was trained on "
                    "(its characters are the vocabulary)");
  auto request = dataRequestFor(model, settings.seqLen);
  if (!request) return request.status();
  auto data = makeDataSet(settings.data, *request, settings.seed);
  if (!data) return data.status();
  if (data->vocab.empty()) return R::error("data " + settings.data + ": has no vocabulary");
  return data->vocab;
}

int64_t generationContext(const Model& model, const TrainSettings& settings) {
  int64_t limit = 0;
  if (model.inputNames().size() == 1) {
    const TensorType in = model.inputType(model.inputNames().front());
    if (in.shape.size() == 2 && in.shape[1] > 0) limit = in.shape[1];  // a fixed length
  }
  if (limit == 0) limit = std::max<int64_t>(1, settings.seqLen);
  for (const auto& [id, node] : model.analysis().nodes) {
    if (!node.spec || node.spec->type != "PositionalEncoding") continue;
    auto it = node.params.find("max_len");
    if (it != node.params.end() && it->is_number_integer())
      limit = std::min<int64_t>(limit, std::max<int64_t>(1, it->get<int64_t>()));
  }
  return limit;
}

Result<std::vector<int64_t>> encodeText(const std::string& text,
                                        const std::vector<std::string>& vocab) {
  using R = Result<std::vector<int64_t>>;
  std::map<std::string, int64_t> index;
  for (size_t k = 0; k < vocab.size(); ++k) index.emplace(vocab[k], static_cast<int64_t>(k));
  std::vector<int64_t> ids;
  int64_t position = 0;
  for (size_t i = 0; i < text.size(); ++position) {
    const size_t len = utf8Length(static_cast<unsigned char>(text[i]));
    if (len == 0 || i + len > text.size())
      return R::error("prompt: invalid UTF-8 at byte " + std::to_string(i));
    const std::string c = text.substr(i, len);
    auto it = index.find(c);
    if (it == index.end())
      return R::error("prompt character '" + printable(c) + "' at position " +
                      std::to_string(position) +
                      " is not in the vocabulary of the training text (" +
                      std::to_string(vocab.size()) + " characters)");
    ids.push_back(it->second);
    i += len;
  }
  return ids;
}

int64_t sampleLogits(const float* logits, int64_t vocabSize, double temperature, double u) {
  int64_t best = 0;
  for (int64_t v = 1; v < vocabSize; ++v)
    if (logits[v] > logits[best]) best = v;
  if (temperature <= 1e-6) return best;
  // Softmax in double, relative to the maximum; inverse-CDF draw with u.
  std::vector<double> p(static_cast<size_t>(vocabSize));
  double sum = 0;
  for (int64_t v = 0; v < vocabSize; ++v) {
    p[v] = std::exp((static_cast<double>(logits[v]) - logits[best]) / temperature);
    sum += p[v];
  }
  double acc = 0, target = u * sum;
  for (int64_t v = 0; v < vocabSize; ++v) {
    acc += p[v];
    if (target < acc) return v;
  }
  return best;  // only reached through rounding at u ~ 1
}

Result<std::string> generateText(Model& model, const std::vector<std::string>& vocab,
                                 int64_t contextLength, const GenerateOptions& options,
                                 const std::function<bool(const std::string&)>& onToken) {
  using R = Result<std::string>;
  auto inputName = checkLanguageModel(model);
  if (!inputName) return inputName.status();
  if (vocab.empty()) return R::error("generation needs a non-empty vocabulary");
  if (options.length < 0) return R::error("length must be >= 0");
  if (!(options.temperature >= 0) || !std::isfinite(options.temperature))
    return R::error("temperature must be a number >= 0");
  if (options.contextLength > 0) contextLength = std::min(contextLength, options.contextLength);
  if (contextLength < 1) contextLength = 1;
  const TensorType in = model.inputType(*inputName);
  const bool fixedLength = in.shape[1] > 0;

  std::vector<int64_t> tokens;
  if (options.prompt.empty()) {
    tokens.push_back(0);
  } else {
    auto ids = encodeText(options.prompt, vocab);
    if (!ids) return ids.status();
    tokens = std::move(*ids);
  }

  NoGradGuard noGrad;
  Rng dropoutRng(0);  // unused in eval mode
  Rng rng(options.seed);
  ForwardContext ctx;
  ctx.training = false;
  ctx.rng = &dropoutRng;
  std::string out;
  const auto vocabSize = static_cast<int64_t>(vocab.size());
  for (int64_t step = 0; step < options.length; ++step) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(tokens.size()), contextLength);
    // A fixed-length Input gets the window right-padded with id 0: the models are causal, so the
    // padding after position n-1 cannot change the logits read there.
    const int64_t t = fixedLength ? in.shape[1] : n;
    Tensor x = Tensor::zeros({1, t}, DType::Int64);
    std::copy(tokens.end() - n, tokens.end(), x.i64());
    auto result = model.forward({{*inputName, x}}, Tensor(), ctx);
    if (!result) return result.status();
    Tensor logits = result->prediction;
    if (!logits.defined())
      for (const auto& [name, value] : result->outputs)
        if (value.ndim() == 3 && value.dtype() == DType::Float32) logits = value;
    if (!logits.defined() || logits.ndim() != 3 || logits.dtype() != DType::Float32 ||
        logits.size(0) != 1 || logits.size(1) != t)
      return R::error(
          "generation needs logits shaped [B, T, V] as the prediction or an Output; "
          "the model gives " +
          (logits.defined() ? shapeToString(logits.shape()) : std::string("none")));
    const int64_t v = logits.size(2);
    if (v < vocabSize)
      return R::error("the model predicts " + std::to_string(v) +
                      " classes but the vocabulary has " + std::to_string(vocabSize) +
                      " characters");
    const float* last = logits.f32() + (n - 1) * v;
    const double u = static_cast<double>(rng.uniform());
    const int64_t next = sampleLogits(last, vocabSize, options.temperature, u);
    tokens.push_back(next);
    out += vocab[static_cast<size_t>(next)];
    if (onToken && !onToken(vocab[static_cast<size_t>(next)])) break;
  }
  return out;
}

}  // namespace strata
