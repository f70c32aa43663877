// Add, Concat and SequencePool as ONNX: Add (numpy broadcasting covers Strata's trailing-shape
// rule), Concat(axis), and SequencePool as Gather(-1) / ReduceMean / ReduceMax over time.
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withStructureOnnx(LayerSpec s) {
  const std::string type = s.type;
  s.toOnnx = [type](OnnxContext& c) {
    if (type == "Add") {
      c.setOutput(0, c.op1("Add", {c.input(0), c.input(1)}));
    } else if (type == "Concat") {
      std::vector<std::string> in;
      for (size_t i = 0; i < c.inputTypes().size(); ++i) in.push_back(c.input(i));
      int64_t dim = c.params().at("dim").get<int64_t>();
      const int64_t rank = static_cast<int64_t>(c.inputTypes().at(0)->shape.size());
      if (dim < 0) dim += rank;
      c.setOutput(0, c.op1("Concat", in, {{"axis", dim}}));
    } else if (type == "SequencePool") {
      const std::string mode = c.params().at("mode").get<std::string>();
      const std::string x = c.input(0);  // [B, T, C] -> [B, C]
      if (mode == "last") {
        std::string last =
            c.constant("last", Tensor::fromVector(Shape{}, std::vector<int64_t>{-1}));
        c.setOutput(0, c.op1("Gather", {x, last}, {{"axis", int64_t{1}}}));
      } else {
        c.setOutput(0, c.op1(mode == "mean" ? "ReduceMean" : "ReduceMax", {x},
                             {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}}));
      }
    } else {
      return Status::error("no ONNX mapping for " + type);
    }
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
