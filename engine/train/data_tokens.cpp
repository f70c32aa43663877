// Token and array data sets: `text:FILE` (character level), `task:copy|reverse|sort` (synthetic
// sequence tasks for Transformers) and `npy:X.npy,Y.npy` (arrays taken as they are).
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/rng.h"
#include "io/npy.h"
#include "train/data_sources.h"

namespace strata::data {
namespace {

using R = Result<DataSet>;

// The per-sample token length the Input wants: [T] with T concrete or symbolic.
Result<int64_t> tokenLength(const DataRequest& request, const std::string& what) {
  if (request.inputDtype != DType::Int64)
    return Result<int64_t>::error(what +
                                  ": gives int64 token ids, but the model's Input is "
                                  "float32 (set the Input dtype to int64 and add an Embedding)");
  if (request.inputShape.size() != 1)
    return Result<int64_t>::error(what +
                                  ": token sequences need an Input shaped [T] (without "
                                  "the batch), got " +
                                  shapeToString(request.inputShape));
  const int64_t t = resolveShape(request.inputShape, request.seqLen)[0];
  if (t < 1) return Result<int64_t>::error(what + ": sequence length must be >= 1");
  return t;
}

// Targets: [T] (one class per position) or [] / [1] (one class per sample).
Result<bool> perPositionTargets(const DataRequest& request, int64_t t, const std::string& what) {
  if (request.targetDtype != DType::Int64)
    return Result<bool>::error(what +
                               ": gives int64 class targets, but the loss wants float32 "
                               "values (use CrossEntropyLoss for tokens)");
  const Shape tgt = resolveShape(request.targetShape, t);
  if (tgt.size() == 1 && tgt[0] == t) return true;
  if (numel(tgt) == 1) return false;
  return Result<bool>::error(what + ": cannot make targets shaped " +
                             shapeToString(request.targetShape) + " for sequences of " +
                             std::to_string(t) + " (expected [" + std::to_string(t) +
                             "] per position or [1] per sample)");
}

// Splits UTF-8 text into characters; fails on invalid sequences.
Result<std::vector<std::string>> utf8Chars(const std::string& text, const std::string& what) {
  std::vector<std::string> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok)
      return Result<std::vector<std::string>>::error(what + ": invalid UTF-8 at byte " +
                                                     std::to_string(i));
    out.push_back(text.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

Result<DataSet> makeText(const std::string& path, const DataRequest& request) {
  const std::string what = "text:" + path;
  std::ifstream file(path, std::ios::binary);
  if (!file) return R::error(what + ": cannot open the file");
  std::stringstream ss;
  ss << file.rdbuf();
  return parseText(ss.str(), request, what);
}

Result<DataSet> parseText(const std::string& text, const DataRequest& request,
                          const std::string& what) {
  auto chars = utf8Chars(text, what);
  if (!chars) return chars.status();
  auto t = tokenLength(request, what);
  if (!t) return t.status();
  auto perPos = perPositionTargets(request, *t, what);
  if (!perPos) return perPos.status();
  const auto& cs = *chars;
  const int64_t len = static_cast<int64_t>(cs.size());
  const int64_t n = len > 0 ? (len - 1) / *t : 0;
  if (n < 1)
    return R::error(what + ": has " + std::to_string(len) + " characters; sequences of " +
                    std::to_string(*t) + " need at least " + std::to_string(*t + 1));

  DataSet ds;
  std::map<std::string, int64_t> index;
  for (const auto& c : cs) index.emplace(c, 0);
  for (const auto& [c, id] : index) ds.vocab.push_back(c);  // sorted, unique
  for (size_t k = 0; k < ds.vocab.size(); ++k) index[ds.vocab[k]] = static_cast<int64_t>(k);
  if (request.maxVocab > 0 && ds.vocabSize() > request.maxVocab)
    return R::error(what + ": has " + std::to_string(ds.vocabSize()) +
                    " distinct characters, but the model's Embedding has num_embeddings " +
                    std::to_string(request.maxVocab));
  std::vector<int64_t> ids(cs.size());
  for (size_t k = 0; k < cs.size(); ++k) ids[k] = index[cs[k]];

  // Non-overlapping windows; the target is the window shifted by one character.
  const int64_t T = *t;
  ds.inputs = Tensor::empty({n, T}, DType::Int64);
  ds.targets = *perPos ? Tensor::empty({n, T}, DType::Int64) : Tensor::empty({n}, DType::Int64);
  if (!*perPos && !request.targetShape.empty()) ds.targets = ds.targets.reshape({n, 1});
  for (int64_t i = 0; i < n; ++i) {
    std::copy(ids.begin() + i * T, ids.begin() + (i + 1) * T, ds.inputs.i64() + i * T);
    if (*perPos)
      std::copy(ids.begin() + i * T + 1, ids.begin() + (i + 1) * T + 1, ds.targets.i64() + i * T);
    else
      ds.targets.i64()[i] = ids[static_cast<size_t>((i + 1) * T)];
  }
  for (size_t k = 0; k < cs.size() && k < 400; ++k) ds.headText += cs[k];
  ds.description = what + ": " + std::to_string(len) + " characters, vocabulary " +
                   std::to_string(ds.vocabSize()) + ", " + std::to_string(n) + " sequences of " +
                   std::to_string(T);
  return ds;
}

Result<DataSet> makeTask(const std::string& kind, const DataRequest& request, uint64_t seed) {
  const std::string what = "task:" + kind;
  if (kind != "copy" && kind != "reverse" && kind != "sort")
    return R::error("unknown task '" + kind + "' (expected task:copy, task:reverse or task:sort)");
  auto t = tokenLength(request, what);
  if (!t) return t.status();
  const Shape tgt = resolveShape(request.targetShape, *t);
  if (request.targetDtype != DType::Int64 || tgt.size() != 1 || tgt[0] != *t)
    return R::error(what + ": targets are int64 [" + std::to_string(*t) +
                    "] (one class per position, CrossEntropyLoss on [B, T, vocab]); the loss "
                    "wants " +
                    std::string(dtypeName(request.targetDtype)) + " " +
                    shapeToString(request.targetShape));
  // Token 0 is left free (padding); the symbols are 1 .. V-1.
  constexpr int64_t kDefaultVocab = 16;
  constexpr int64_t kSamples = 2000;
  const int64_t v =
      request.maxVocab > 0 ? std::min(request.maxVocab, kDefaultVocab) : kDefaultVocab;
  if (v < 3) return R::error(what + ": the Embedding needs num_embeddings >= 3");
  const int64_t T = *t;
  DataSet ds;
  ds.inputs = Tensor::empty({kSamples, T}, DType::Int64);
  ds.targets = Tensor::empty({kSamples, T}, DType::Int64);
  Rng rng(seed ^ 0x7a5c7a5c7ull);
  for (int64_t i = 0; i < kSamples; ++i) {
    int64_t* x = ds.inputs.i64() + i * T;
    int64_t* y = ds.targets.i64() + i * T;
    for (int64_t k = 0; k < T; ++k) x[k] = 1 + static_cast<int64_t>(rng.below(v - 1));
    std::copy(x, x + T, y);
    if (kind == "reverse") std::reverse(y, y + T);
    if (kind == "sort") std::sort(y, y + T);
  }
  for (int64_t k = 0; k < v; ++k) ds.vocab.push_back(k == 0 ? "<pad>" : std::to_string(k));
  ds.description = what + ": " + std::to_string(kSamples) + " sequences of " + std::to_string(T) +
                   " tokens from a vocabulary of " + std::to_string(v);
  return ds;
}

Result<DataSet> makeNpy(const std::string& inputsPath, const std::string& targetsPath,
                        const DataRequest& request) {
  auto x = loadNpy(inputsPath);
  if (!x) return x.status();
  auto y = loadNpy(targetsPath);
  if (!y) return y.status();
  const std::string what = "npy:" + inputsPath + "," + targetsPath;
  if (x->ndim() < 1 || y->ndim() < 1) return R::error(what + ": arrays need a first (sample) axis");
  if (x->size(0) != y->size(0))
    return R::error(what + ": " + inputsPath + " has " + std::to_string(x->size(0)) +
                    " samples but " + targetsPath + " has " + std::to_string(y->size(0)));
  if (x->size(0) < 1) return R::error(what + ": no samples");
  // Per-sample shapes must fit the request; symbolic dims accept any size.
  auto fits = [](const Shape& want, const Tensor& t) {
    if (static_cast<int>(want.size()) != t.ndim() - 1) return false;
    for (size_t k = 0; k < want.size(); ++k)
      if (want[k] >= 0 && want[k] != t.shape()[k + 1]) return false;
    return true;
  };
  auto perSample = [](const Tensor& t) { return Shape(t.shape().begin() + 1, t.shape().end()); };
  if (x->dtype() != request.inputDtype)
    return R::error(inputsPath + ": holds " + dtypeName(x->dtype()) +
                    ", but the model's Input is " + dtypeName(request.inputDtype));
  if (!fits(request.inputShape, *x))
    return R::error(inputsPath + ": samples are shaped " + shapeToString(perSample(*x)) +
                    ", but the model's Input is " + shapeToString(request.inputShape));
  if (y->dtype() != request.targetDtype)
    return R::error(targetsPath + ": holds " + dtypeName(y->dtype()) + ", but the loss needs " +
                    dtypeName(request.targetDtype) + " targets");
  Shape wantY = request.targetShape;
  // Symbolic target dims must equal the input's sequence length.
  for (auto& d : wantY)
    if (d < 0 && x->ndim() >= 2) d = x->shape()[1];
  if (!fits(wantY, *y) && !(numel(resolveShape(wantY, 1)) == 1 && y->numel() == y->size(0)))
    return R::error(targetsPath + ": samples are shaped " + shapeToString(perSample(*y)) +
                    ", but the loss wants " + shapeToString(request.targetShape));
  DataSet ds;
  ds.inputs = *x;
  ds.targets = *y;
  if (isConcrete(wantY) && perSample(*y) != wantY) {  // e.g. Y [N] for a loss wanting [1]
    Shape full{y->size(0)};
    full.insert(full.end(), wantY.begin(), wantY.end());
    ds.targets = y->reshape(full);
  }
  ds.description = what + ": " + std::to_string(x->size(0)) + " samples, inputs " + describe(*x) +
                   ", targets " + describe(*y);
  return ds;
}

}  // namespace strata::data
