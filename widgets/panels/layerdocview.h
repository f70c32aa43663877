// The docs panel: what a layer computes, its ports and its params with their ranges and help
// text, all generated from the layer's LayerSpec. Students read this while building a graph.
#pragma once

#include <QTextBrowser>

#include "nn/layer_spec.h"

namespace strata::gui {

class LayerDocView final : public QTextBrowser {
  Q_OBJECT

 public:
  explicit LayerDocView(QWidget* parent = nullptr);

  void showLayer(const QString& type);  // an unknown or empty type shows a hint
  QString layerType() const { return m_type; }

  static QString html(const LayerSpec& spec);
  // "int in [1, 4096], default 1", "one of tanh | relu", ... for one param.
  static QString paramConstraint(const ParamSpec& param);

 private:
  QString m_type;
};

}  // namespace strata::gui
