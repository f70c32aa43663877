// The tensor-op layers as Keras, where tfjs-layers 4.22 has a layer for them: Permute and Reshape
// that keep the batch first, MatMul of two rank-3 tensors as Dot, Mul as Multiply, Sub as
// a + (-1 * b), Slice as Reshape -> Cropping2D -> Reshape, Reduce mean/max over the steps of a
// sequence as global pooling, LogSoftmax as its activation, and the Elementwise functions Keras
// names (softplus, softsign, elu with alpha 1, leaky_relu, selu; neg and abs written with
// ReLU). Div, exp/log/sqrt/reciprocal/erf and Constant have no layer there and are refused with
// that reason.
#include <numeric>
#include <string>
#include <vector>

#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

using nlohmann::json;

const char* kOnnxInstead = "; export to ONNX instead";

// Reshape's target without the batch: known dims as they are, one variable dim as -1.
Result<json> kerasTarget(const Shape& out) {
  json t = json::array();
  int unknown = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    t.push_back(out[i] >= 0 ? out[i] : -1);
    unknown += out[i] < 0;
  }
  if (unknown > 1)
    return Result<json>::error("the shape " + shapeToString(out) +
                               " has more than one variable dimension, which Keras's Reshape "
                               "cannot express; give the Input fixed sizes");
  return t;
}

// b * -1 over the last axis (exact).
Result<std::string> negated(TfjsContext& c, const std::string& x, const Shape& shape,
                            const std::string& suffix) {
  const int64_t C = shape.back();
  if (C < 1)
    return Result<std::string>::error("a variable feature size " + shapeToString(shape) +
                                      " has no TensorFlow.js form here (the sign flip is per "
                                      "feature); give the input a fixed last dimension");
  return keras::affine(c, x, suffix, keras::filled({C}, -1.0f), keras::filled({C}, 0.0f));
}

Status sameRank(TfjsContext& c, const std::string& what) {
  const auto& a = c.inputTypes().at(0)->shape;
  const auto& b = c.inputTypes().at(1)->shape;
  if (a.size() != b.size())
    return Status::error(what + " of " + shapeToString(a) + " and " + shapeToString(b) +
                         " broadcasts across ranks, which Keras's merge layers align "
                         "differently; give both inputs the same rank");
  return Status::ok();
}

Status permuteToTfjs(TfjsContext& c) {
  const auto dims = c.params().at("dims").get<std::vector<int64_t>>();
  if (dims.empty() || dims[0] != 0)
    return Status::error("a Permute that moves the batch dimension has no TensorFlow.js form "
                         "(Keras's Permute keeps the batch first)" + std::string(kOnnxInstead));
  c.setOutput(0, c.layer("Permute", "", {{"dims", std::vector<int64_t>(dims.begin() + 1,
                                                                       dims.end())}},
                         {c.input(0)}));
  return Status::ok();
}

Status reshapeToTfjs(TfjsContext& c) {
  const Shape& out = c.outputTypes().at(0).shape;
  if (out.empty() || out[0] != kBatch)
    return Status::error("a Reshape that does not keep the batch as its first dimension has no "
                         "TensorFlow.js form" + std::string(kOnnxInstead));
  auto target = kerasTarget(out);
  if (!target) return target.status();
  c.setOutput(0, c.layer("Reshape", "", {{"target_shape", *target}}, {c.input(0)}));
  return Status::ok();
}

Status matmulToTfjs(TfjsContext& c) {
  const auto& a = c.inputTypes().at(0)->shape;
  const auto& b = c.inputTypes().at(1)->shape;
  if (a.size() != 3 || b.size() != 3 || a[0] != kBatch || b[0] != kBatch)
    return Status::error("MatMul of " + shapeToString(a) + " and " + shapeToString(b) +
                         " has no TensorFlow.js form: tfjs's Dot multiplies two batched "
                         "matrices [B, M, K] and [B, K, N] only" + std::string(kOnnxInstead));
  c.setOutput(0, c.layer("Dot", "", {{"axes", {2, 1}}, {"normalize", false}},
                         {c.input(0), c.input(1)}));
  return Status::ok();
}

Status sliceToTfjs(TfjsContext& c) {
  const Shape& in = c.inputTypes().at(0)->shape;
  const int64_t rank = static_cast<int64_t>(in.size());
  int64_t d = c.params().at("dim").get<int64_t>();
  if (d < 0) d += rank;
  const int64_t start = c.params().at("start").get<int64_t>();
  const int64_t end = c.params().at("end").get<int64_t>();
  if (d <= 0) return Status::error("a Slice of the batch dimension has no TensorFlow.js form");
  // [B, pre, D, post] with the sliced dim in the middle, cropped as an image's width.
  int64_t pre = 1, post = 1;
  bool preKnown = true;
  for (int64_t i = 1; i < d; ++i) {
    if (in[i] < 0) preKnown = false;
    else pre *= in[i];
  }
  for (int64_t i = d + 1; i < rank; ++i) {
    if (in[i] < 0)
      return Status::error("a Slice before a variable dimension " + shapeToString(in) +
                           " has no TensorFlow.js form; give the Input fixed sizes");
    post *= in[i];
  }
  const int64_t D = in[d];
  if (D < 0)
    return Status::error("a Slice of a variable dimension " + shapeToString(in) +
                         " has no TensorFlow.js form (tfjs-layers crops by fixed amounts); give "
                         "the Input a fixed sequence length");
  const std::string r = c.layer("Reshape", "3d", {{"target_shape", {preKnown ? pre : -1, D, post}}},
                                {c.input(0)});
  const std::string cropped = c.layer(
      "Cropping2D", "crop",
      {{"cropping", {{0, 0}, {start, D - std::min(end, D)}}}, {"data_format", "channels_last"}},
      {r});
  auto target = kerasTarget(c.outputTypes().at(0).shape);
  if (!target) return target.status();
  c.setOutput(0, c.layer("Reshape", "", {{"target_shape", *target}}, {cropped}));
  return Status::ok();
}

Status reduceToTfjs(TfjsContext& c) {
  const Shape& in = c.inputTypes().at(0)->shape;
  const std::string mode = c.params().at("mode").get<std::string>();
  auto dims = c.params().at("dims").get<std::vector<int64_t>>();
  for (auto& d : dims)
    if (d < 0) d += static_cast<int64_t>(in.size());
  if (in.size() != 3 || dims != std::vector<int64_t>{1} || c.params().at("keepdim").get<bool>() ||
      mode == "sum")
    return Status::error("Reduce has a TensorFlow.js form only as the mean or max over the steps "
                         "of a sequence (dims [1] of [B, T, C], keepdim false), which is what "
                         "global pooling computes; use SequencePool, or export to ONNX instead");
  c.setOutput(0, c.layer(mode == "mean" ? "GlobalAveragePooling1D" : "GlobalMaxPooling1D", "",
                         {{"data_format", "channels_last"}}, {c.input(0)}));
  return Status::ok();
}

Status logSoftmaxToTfjs(TfjsContext& c) {
  const int64_t rank = static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
  int64_t dim = c.params().at("dim").get<int64_t>();
  if (dim < 0) dim += rank;
  std::string x = c.input(0);
  if (dim == rank - 1) {
    c.setOutput(0, keras::activation(c, x, "", "log_softmax"));
    return Status::ok();
  }
  std::vector<int64_t> perm(static_cast<size_t>(rank - 1));
  std::iota(perm.begin(), perm.end(), 1);
  std::swap(perm[static_cast<size_t>(dim - 1)], perm.back());
  x = c.layer("Permute", "to_last", {{"dims", perm}}, {x});
  x = keras::activation(c, x, "last", "log_softmax");
  c.setOutput(0, c.layer("Permute", "", {{"dims", perm}}, {x}));
  return Status::ok();
}

Status elementwiseToTfjs(TfjsContext& c) {
  const std::string f = c.params().at("function").get<std::string>();
  const double alpha = c.params().at("alpha").get<double>();
  const std::string x = c.input(0);
  const Shape& shape = c.inputTypes().at(0)->shape;
  if (f == "softplus" || f == "softsign" || f == "selu" || (f == "elu" && alpha == 1.0)) {
    c.setOutput(0, keras::activation(c, x, "", f));
  } else if (f == "elu") {
    return Status::error("Elementwise 'elu' with alpha " + std::to_string(alpha) +
                         " has no TensorFlow.js form (tfjs 4.22's ELU supports alpha 1 only)" +
                         std::string(kOnnxInstead));
  } else if (f == "leaky_relu") {
    c.setOutput(0, c.layer("LeakyReLU", "", {{"alpha", alpha}}, {x}));
  } else if (f == "neg" || f == "abs") {
    auto n = negated(c, x, shape, f == "neg" ? "" : "neg");
    if (!n) return n.status();
    if (f == "neg") {
      c.setOutput(0, *n);
    } else {  // |x| = relu(x) + relu(-x), exact
      const std::string p = keras::activation(c, x, "pos", "relu");
      const std::string m = keras::activation(c, *n, "negpart", "relu");
      c.setOutput(0, c.layer("Add", "", json::object(), {p, m}));
    }
  } else {
    return Status::error("Elementwise '" + f + "' has no TensorFlow.js form (tfjs-layers has no "
                         "layer or activation that computes it)" + std::string(kOnnxInstead));
  }
  return Status::ok();
}

}  // namespace

LayerSpec withTensorOpsTfjs(LayerSpec s) {
  const std::string type = s.type;
  if (type == "Permute") s.toTfjs = permuteToTfjs;
  if (type == "Reshape") s.toTfjs = reshapeToTfjs;
  if (type == "MatMul") s.toTfjs = matmulToTfjs;
  if (type == "Slice") s.toTfjs = sliceToTfjs;
  if (type == "Reduce") s.toTfjs = reduceToTfjs;
  if (type == "LogSoftmax") s.toTfjs = logSoftmaxToTfjs;
  if (type == "Elementwise") s.toTfjs = elementwiseToTfjs;
  if (type == "Mul" || type == "Sub") {
    s.toTfjs = [type](TfjsContext& c) {
      Status s = sameRank(c, type);
      if (!s) return s;
      if (type == "Mul") {
        c.setOutput(0, c.layer("Multiply", "", json::object(), {c.input(0), c.input(1)}));
        return Status::ok();
      }
      auto nb = negated(c, c.input(1), c.inputTypes().at(1)->shape, "neg_b");
      if (!nb) return nb.status();
      c.setOutput(0, c.layer("Add", "", json::object(), {c.input(0), *nb}));
      return Status::ok();
    };
  }
  if (type == "Div")
    s.toTfjs = [](TfjsContext&) {
      return Status::error("Div has no TensorFlow.js form (tfjs-layers has no division layer)" +
                           std::string(kOnnxInstead));
    };
  if (type == "Constant")
    s.toTfjs = [](TfjsContext&) {
      return Status::error("a Constant has no TensorFlow.js form (a Keras layer needs an input "
                           "tensor); fold it into the layer it feeds, or export to ONNX instead");
    };
  return s;
}

}  // namespace strata::nn
