// Activations as Keras: Activation(relu | tanh | sigmoid | gelu) and Softmax(axis), over a
// non-last axis between two Permutes (tfjs 4.22 softmaxes the last axis only). GELU's tanh form
// is written out as 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) with Multiply, Add, tanh and
// keras::affine for the constants: tfjs's own "gelu_new" cannot be loaded (its deserializer looks
// up "geluNew") and Keras 2 has no activation of that name.
#include <cmath>

#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

std::string softmax(TfjsContext& c, const std::string& x) {
  const int64_t rank = static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
  int64_t dim = c.params().at("dim").get<int64_t>();
  if (dim < 0) dim += rank;
  if (dim == rank - 1) return c.layer("Softmax", "", {{"axis", -1}}, {x});
  // Permute's dims count from 1 (the batch stays): swap `dim` with the last, and back.
  std::vector<int64_t> perm;
  for (int64_t i = 1; i < rank; ++i) perm.push_back(i);
  std::swap(perm[static_cast<size_t>(dim - 1)], perm.back());
  const std::string t = c.layer("Permute", "to_last", {{"dims", perm}}, {x});
  const std::string s = c.layer("Softmax", "last", {{"axis", -1}}, {t});
  return c.layer("Permute", "", {{"dims", perm}}, {s});
}

std::string geluTanh(TfjsContext& c, const std::string& x) {
  const int64_t C = c.inputTypes().at(0)->shape.back();
  const Shape s{C};
  const float k = static_cast<float>(std::sqrt(2.0 / 3.14159265358979323846));
  const Tensor zero = keras::filled(s, 0.0f);
  const std::string x3 = c.layer("Multiply", "cube", nlohmann::json::object(), {x, x, x});
  const std::string inner = c.layer(
      "Add", "inner", nlohmann::json::object(),
      {x, keras::affine(c, x3, "c044715", keras::filled(s, 0.044715f), zero)});
  const std::string t =
      keras::activation(c, keras::affine(c, inner, "sqrt2pi", keras::filled(s, k), zero), "tanh",
                        "tanh");
  const std::string onePlus = keras::affine(c, t, "one_plus", keras::filled(s, 1.0f),
                                            keras::filled(s, 1.0f));
  const std::string m = c.layer("Multiply", "times_x", nlohmann::json::object(), {x, onePlus});
  return keras::affine(c, m, "", keras::filled(s, 0.5f), zero);
}

}  // namespace

LayerSpec withActivationTfjs(LayerSpec s) {
  const std::string type = s.type;
  s.toTfjs = [type](TfjsContext& c) {
    const std::string x = c.input(0);
    if (type == "Softmax") {
      c.setOutput(0, softmax(c, x));
    } else if (type == "GELU") {
      const bool tanhForm = c.params().value("approximate", std::string("none")) == "tanh";
      if (tanhForm && c.inputTypes().at(0)->shape.back() < 1)
        return Status::error("GELU (tanh) on a variable feature size " +
                             shapeToString(c.inputTypes().at(0)->shape) +
                             " has no TensorFlow.js form (its constants are per feature); give "
                             "the input a fixed last dimension, or use approximate 'none'");
      c.setOutput(0, tanhForm ? geluTanh(c, x) : keras::activation(c, x, "", "gelu"));
    } else if (type == "ReLU" || type == "Tanh" || type == "Sigmoid") {
      std::string name = type == "ReLU" ? "relu" : type == "Tanh" ? "tanh" : "sigmoid";
      c.setOutput(0, keras::activation(c, x, "", name));
    } else {
      return Status::error("no TensorFlow.js mapping for " + type);
    }
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
