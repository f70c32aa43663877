// Renders a graph scene offscreen: PNG and SVG export of the whole graph, and the thumbnails of
// the sample gallery (a sample's file rendered through its own model and scene).
#pragma once

#include <QImage>
#include <QPixmap>
#include <QString>

namespace strata::gui {

struct CanvasTheme;
class GraphScene;

class SceneRenderer final {
 public:
  static constexpr int kMargin = 24;

  // The graph (its bounds plus a margin) at `scale`, on the theme's background; selection marks
  // are left out.
  static QImage renderImage(GraphScene* scene, double scale = 2.0);
  static bool savePng(GraphScene* scene, const QString& path, double scale = 2.0);
  static bool saveSvg(GraphScene* scene, const QString& path, const QString& title);
  // The graph in `path` fitted into `size`; a null pixmap when the file cannot be read.
  static QPixmap thumbnail(const QString& path, QSize size, const CanvasTheme& theme);
};

}  // namespace strata::gui
