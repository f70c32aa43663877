// What a node card shows, worked out from the document and its analysis: ports with their kinds
// and types, the key params, the parameter count and the node's error. Plain data, so the card
// only draws and the rules for "what to show" can be tested without a scene.
#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>
#include <string>
#include <vector>

#include "graph/analysis.h"
#include "graph/document.h"

namespace strata::gui {

struct NodeContent {
  struct Port {
    std::string name;
    ValueKind kind = ValueKind::Any;
    bool optional = false;
    bool connected = false;
    QString type;  // "[B, 32]" when known, for the tooltip
    bool operator==(const Port&) const = default;
  };
  struct Param {
    QString name;
    QString value;
    bool inferred = false;  // not in the file: filled in by the analysis
    bool operator==(const Param&) const = default;
  };

  static constexpr int kMaxParams = 4;

  std::string id;
  QString type;
  std::string category;  // empty for an unknown type
  QString summary;       // the layer's one-line description
  std::vector<Port> inputs;
  std::vector<Port> outputs;
  std::vector<Param> params;  // at most kMaxParams
  int moreParams = 0;         // how many were left out
  int64_t parameterCount = 0;
  int64_t flops = 0;
  QString error;  // this node's own problem, empty if none

  bool operator==(const NodeContent&) const = default;

  static NodeContent describe(const GraphDocument& doc, const GraphAnalysis& analysis,
                              const std::string& id);
  static QString valueText(const Json& value);
};

}  // namespace strata::gui
