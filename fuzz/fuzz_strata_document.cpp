// libFuzzer target: a .strata file as the CLI's validate and the editor's open see it: parse,
// validation and shape inference (Repeat blocks expanded), the training settings, the save
// round trip (save -> load -> save is byte-stable), and compiling small graphs that validate.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "graph/analysis.h"
#include "graph/document.h"
#include "graph/model.h"
#include "train/train_settings.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto doc = GraphDocument::parse(text);
  if (!doc) return 0;

  const GraphAnalysis analysis = analyze(*doc);
  for (const GraphEdge& e : doc->edges) (void)analysis.edgeType(e);
  for (const NodeDiagnostic& d : analysis.diagnostics) (void)analysis.documentNode(d.nodeId);
  (void)TrainSettings::fromJson(doc->training);

  const std::string once = doc->serialize();
  auto again = GraphDocument::parse(once);
  fuzz::require(static_cast<bool>(again), "a saved document does not load",
                again ? std::string() : again.message());
  fuzz::require(again->serialize() == once, "save -> load -> save is not byte-stable");

  // Compiling allocates the weights: only for graphs small enough that a fuzz run stays fast.
  if (analysis.ok() && analysis.totalParameters <= (int64_t{1} << 16) &&
      analysis.nodes.size() <= 64)
    (void)Model::compile(*doc);
  return 0;
}
