// A simplified picture of a graph for a gallery card: one pill per node with its layer type in
// text a person can read at card size, and the edges between them. The whole scene scaled down
// to a card is unreadable (its titles end up 3 px high), so the card draws this instead, at the
// card's own size: the nodes in data-flow order, flowing in rows that turn back at the edge
// (a chain stays a chain), wrapped to fit the width.
#pragma once

#include <QColor>
#include <QList>
#include <QRectF>
#include <QString>

#include <string>
#include <vector>

#include "graph/document.h"

class QPainter;

namespace strata::gui {

struct CanvasTheme;

class GraphSketch final {
 public:
  // The font size of the labels, and the smallest one used before nodes are left out.
  static constexpr int kLabelPixels = 11;
  static constexpr int kMinLabelPixels = 10;

  struct Node {
    QString label;         // the layer type, shortened ("TransformerEncoderLayer" -> "TransformerEncoder")
    std::string category;  // for the colour stripe
  };
  // Where each pill goes in a given rectangle; nodes past `shown` did not fit and are counted by
  // the "+N" pill at `more` (an empty rect when all fit).
  struct Layout {
    QList<QRectF> pills;  // one per shown node, in order
    int shown = 0;
    QRectF more;
    int labelPixels = kLabelPixels;
  };

  GraphSketch() = default;
  static GraphSketch fromDocument(const GraphDocument& doc);
  // An empty sketch when the file cannot be read (the card then shows no picture).
  static GraphSketch fromFile(const QString& path);

  bool isEmpty() const { return m_nodes.empty(); }
  const std::vector<Node>& nodes() const { return m_nodes; }
  // Edges as indices into nodes(), from producer to consumer.
  const std::vector<std::pair<int, int>>& edges() const { return m_edges; }

  Layout layout(const QRectF& area) const;
  void paint(QPainter* painter, const QRectF& area, const CanvasTheme& theme) const;

 private:
  std::vector<Node> m_nodes;  // in data-flow order (producers before consumers)
  std::vector<std::pair<int, int>> m_edges;
};

}  // namespace strata::gui
