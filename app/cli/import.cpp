// `strata-cli import MODEL.onnx --out GRAPH.strata [--weights-out CKPT]`: an ONNX model as an
// editable graph plus its weights. Strata's own exports round-trip exactly; PyTorch 1.13 exports
// of the supported layers are matched op by op. On any problem nothing is written.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "io/onnx/importer.h"
#include "io/safetensors.h"

namespace strata::cli {

namespace {

struct ImportOptions {
  std::string model;
  std::string out;
  std::string weightsOut;
};

int runImport(const ImportOptions& o) {
  auto r = importOnnx(o.model);
  if (!r) throw UsageError(r.message());
  Status s = r->doc.save(o.out);
  if (!s) throw UsageError(s.message());
  if (!o.weightsOut.empty()) {
    s = saveSafetensors(o.weightsOut, r->weights, {{"format", "pt"}, {"strata.source", o.model}});
    if (!s) {
      std::remove(o.out.c_str());
      throw UsageError(s.message());
    }
  }
  std::printf("imported %zu nodes and %zu weight tensors from %s into %s%s%s\n",
              r->doc.nodes.size(), r->weights.size(), o.model.c_str(), o.out.c_str(),
              o.weightsOut.empty() ? "" : " and ", o.weightsOut.c_str());
  return kExitOk;
}

}  // namespace

Verb addImportVerb(CLI::App& app) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = app.add_subcommand("import", "Import an ONNX model as a graph and weights");
  cmd->add_option("MODEL", o->model, "the .onnx file")->required();
  cmd->add_option("--out", o->out, "output graph (.strata)")->required();
  cmd->add_option("--weights-out", o->weightsOut, "output checkpoint (.safetensors)");
  return {cmd, [o] { return runImport(*o); }};
}

}  // namespace strata::cli
