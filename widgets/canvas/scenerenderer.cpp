#include "canvas/scenerenderer.h"

#include <QGraphicsItem>
#include <QPainter>
#include <QSvgGenerator>

#include "canvas/graphscene.h"

namespace strata::gui {

namespace {

QRectF exportRect(GraphScene* scene) {
  const QRectF bounds = scene->graphBounds();
  const QRectF base = bounds.isNull() ? QRectF(0, 0, 200, 120) : bounds;
  return base.adjusted(-SceneRenderer::kMargin, -SceneRenderer::kMargin, SceneRenderer::kMargin,
                       SceneRenderer::kMargin);
}

// For the duration of a render: no selection marks, and no item caches, so an SVG gets vector
// text and shapes (not cached pixmaps) and a scaled PNG stays sharp.
class ExportState final {
 public:
  explicit ExportState(GraphScene* scene) : m_scene(scene), m_selected(scene->selectedItems()) {
    m_scene->clearSelection();
    for (QGraphicsItem* item : m_scene->items()) {
      if (item->cacheMode() == QGraphicsItem::NoCache) continue;
      m_cached.append({item, item->cacheMode()});
      item->setCacheMode(QGraphicsItem::NoCache);
    }
  }
  ~ExportState() {
    for (const auto& [item, mode] : m_cached) item->setCacheMode(mode);
    for (QGraphicsItem* item : m_selected) item->setSelected(true);
  }

 private:
  GraphScene* m_scene;
  QList<QGraphicsItem*> m_selected;
  QList<std::pair<QGraphicsItem*, QGraphicsItem::CacheMode>> m_cached;
};

void paintScene(GraphScene* scene, QPainter* painter, const QRectF& target, const QRectF& source) {
  painter->setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                          QPainter::SmoothPixmapTransform);
  painter->fillRect(target, scene->theme().background);
  scene->render(painter, target, source, Qt::KeepAspectRatio);
}

}  // namespace

QImage SceneRenderer::renderImage(GraphScene* scene, double scale) {
  ExportState state(scene);
  const QRectF source = exportRect(scene);
  QImage image((source.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
  image.setDevicePixelRatio(1.0);
  QPainter painter(&image);
  paintScene(scene, &painter, QRectF(QPointF(0, 0), QSizeF(image.size())), source);
  return image;
}

bool SceneRenderer::savePng(GraphScene* scene, const QString& path, double scale) {
  return renderImage(scene, scale).save(path, "PNG");
}

bool SceneRenderer::saveSvg(GraphScene* scene, const QString& path, const QString& title) {
  ExportState state(scene);
  const QRectF source = exportRect(scene);
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setTitle(title);
  svg.setDescription(QStringLiteral("Exported from Strata"));
  svg.setSize(source.size().toSize());
  svg.setViewBox(QRectF(QPointF(0, 0), source.size()));
  QPainter painter;
  if (!painter.begin(&svg)) return false;
  paintScene(scene, &painter, QRectF(QPointF(0, 0), source.size()), source);
  return painter.end();
}

}  // namespace strata::gui
