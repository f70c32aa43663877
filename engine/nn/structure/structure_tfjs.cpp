// Add, Concat and SequencePool as Keras: Add (inputs of one rank), Concatenate(axis),
// GlobalAveragePooling1D / GlobalMaxPooling1D, and SequencePool "last" as Reshape [T, C, 1] ->
// Cropping2D (drops the first T-1 steps) -> Reshape [C], exact and weight-free, for a fixed T
// (tfjs-layers has no Lambda, slice or Cropping1D layer).
#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

Status sequencePoolToTfjs(TfjsContext& c) {
  const std::string mode = c.params().at("mode").get<std::string>();
  const std::string x = c.input(0);  // [B, T, C] -> [B, C]
  if (mode == "mean" || mode == "max") {
    c.setOutput(0, c.layer(mode == "mean" ? "GlobalAveragePooling1D" : "GlobalMaxPooling1D", "",
                           {{"data_format", "channels_last"}}, {x}));
    return Status::ok();
  }
  const Shape& in = c.inputTypes().at(0)->shape;
  const int64_t T = in.at(1), C = in.at(2);
  if (T < 1 || C < 1)
    return Status::error("SequencePool 'last' on a sequence of variable length " +
                         shapeToString(in) +
                         " has no TensorFlow.js form (tfjs-layers cannot slice a variable axis); "
                         "give the Input a fixed sequence length, or use mode 'mean' or 'max'");
  const std::string r = c.layer("Reshape", "steps", {{"target_shape", {T, C, 1}}}, {x});
  const std::string last =
      c.layer("Cropping2D", "last",
              {{"cropping", {{T - 1, 0}, {0, 0}}}, {"data_format", "channels_last"}}, {r});
  c.setOutput(0, c.layer("Reshape", "", {{"target_shape", {C}}}, {last}));
  return Status::ok();
}

}  // namespace

LayerSpec withStructureTfjs(LayerSpec s) {
  const std::string type = s.type;
  s.toTfjs = [type](TfjsContext& c) {
    if (type == "Add") {
      const auto& a = c.inputTypes().at(0)->shape;
      const auto& b = c.inputTypes().at(1)->shape;
      if (a.size() != b.size())
        return Status::error("Add of " + shapeToString(a) + " and " + shapeToString(b) +
                             " broadcasts across ranks, which Keras's Add does not; give both "
                             "inputs the same shape");
      c.setOutput(0, c.layer("Add", "", Json::object(), {c.input(0), c.input(1)}));
    } else if (type == "Concat") {
      std::vector<std::string> in;
      for (size_t i = 0; i < c.inputTypes().size(); ++i) in.push_back(c.input(i));
      int64_t dim = c.params().at("dim").get<int64_t>();
      const int64_t rank = static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
      if (dim < 0) dim += rank;
      c.setOutput(0, c.layer("Concatenate", "", {{"axis", dim}}, in));
    } else if (type == "SequencePool") {
      return sequencePoolToTfjs(c);
    } else {
      return Status::error("no TensorFlow.js mapping for " + type);
    }
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
