// Input and Output: where data enters the graph (fed by the data set or `run --input`) and which
// values the model reports.
#include "nn/spec_helpers.h"

namespace strata::nn {

namespace {

Result<ShapeResult> inferInput(const ShapeContext& ctx) {
  ShapeResult r;
  r.params = ctx.params;
  TensorType t;
  t.kind = ctx.params.at("dtype") == "int64" ? ValueKind::Int64 : ValueKind::Float;
  t.shape.push_back(kBatch);
  int variable = 0;
  for (int64_t d : ctx.params.at("shape").get<std::vector<int64_t>>()) {
    if (d == 0) return Result<ShapeResult>::error("shape sizes must be >= 1 (or -1), got 0");
    if (d == -1 && ++variable > 1)
      return Result<ShapeResult>::error("shape may mark only one dimension -1 (variable)");
    t.shape.push_back(d == -1 ? kSeq : d);
  }
  r.outputs = {t};
  return r;
}

Result<ShapeResult> inferOutput(const ShapeContext& ctx) {
  if (!ctx.inputs.at(0)) return Result<ShapeResult>::error("input 'in' is not connected");
  ShapeResult r;
  r.params = ctx.params;
  return r;
}

}  // namespace

void registerIoLayers(LayerRegistry& r) {
  {
    LayerSpec s;
    s.type = "Input";
    s.category = "Inputs";
    s.summary = "A model input, fed by the data set or by `run --input <id>=X.npy`.";
    s.doc =
        "Input is where data enters the model. `shape` lists the sizes of one sample, without "
        "the batch dimension: [32] means the layer delivers [B, 32], [-1] means a sequence of "
        "any length, [B, T]. `dtype` is float32 for real-valued features and int64 for token "
        "ids (which go into an Embedding). The node id is the input's name on the command line "
        "and in exported ONNX models.";
    ParamSpec shape;
    shape.name = "shape";
    shape.type = ParamType::IntList;
    shape.minValue = -1;
    shape.help = "sizes of one sample, batch excluded; -1 marks a variable sequence length";
    s.params = {shape, choiceParam("dtype", {"float32", "int64"}, "float32",
                                   "float32 for features, int64 for token ids")};
    s.outputs = {port("out", ValueKind::Any, "the batch of samples")};
    s.isInput = true;
    s.infer = inferInput;
    r.add(std::move(s));
  }
  {
    LayerSpec s;
    s.type = "Output";
    s.category = "Inputs";
    s.summary = "Marks a value the model reports (in `run` and ONNX export).";
    s.doc =
        "Output names a model result: whatever flows into it is returned by `strata-cli run` "
        "and becomes an output of an exported ONNX model, under the node's id. It computes "
        "nothing and has no parameters. A graph trained with a loss does not need one, but a "
        "graph meant for inference should mark what it predicts.";
    s.inputs = {port("in", ValueKind::Any, "the value to report")};
    s.isOutput = true;
    s.infer = inferOutput;
    r.add(std::move(s));
  }
}

}  // namespace strata::nn
