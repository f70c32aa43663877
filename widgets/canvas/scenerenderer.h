// Renders a graph scene offscreen: PNG and SVG export of the whole graph.
#pragma once

#include <QImage>
#include <QString>

namespace strata::gui {

class GraphScene;

class SceneRenderer final {
 public:
  static constexpr int kMargin = 24;

  // The graph (its bounds plus a margin) at `scale`, on the theme's background; selection marks
  // are left out.
  static QImage renderImage(GraphScene* scene, double scale = 2.0);
  static bool savePng(GraphScene* scene, const QString& path, double scale = 2.0);
  static bool saveSvg(GraphScene* scene, const QString& path, const QString& title);
};

}  // namespace strata::gui
