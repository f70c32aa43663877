// A piece of a graph as a stand-alone document: what copy puts on the clipboard (`.strata` JSON
// holding the selected nodes and the edges between them) and what paste takes back, renamed so
// that no id collides with the target graph and shifted by an offset.
#pragma once

#include <QPointF>
#include <QString>

#include <optional>
#include <string>
#include <vector>

#include "graph/document.h"

namespace strata::gui {

class GraphFragment final {
 public:
  static constexpr const char* kMimeType = "application/x-strata-graph";

  // The nodes `ids` (in document order) and the edges with both ends among them.
  static GraphDocument extract(const GraphDocument& doc, const std::vector<std::string>& ids);
  // `.strata` JSON text; parse() accepts it (or any graph file) back.
  static QString toText(const GraphDocument& fragment);
  static std::optional<GraphDocument> parse(const QString& text);
  // A copy of `fragment` whose ids are unique in `target` (a clash "lstm" becomes "lstm2",
  // "fc2" becomes "fc3", ...), edges renamed to match, positions shifted by `offset`.
  static GraphDocument preparePaste(const GraphDocument& fragment, const GraphDocument& target,
                                    QPointF offset);

  // One node as its document JSON ({id, type, params, pos}) and back.
  static Json nodeToJson(const GraphNode& node);
  static std::optional<GraphNode> nodeFromJson(const Json& j);
};

}  // namespace strata::gui
