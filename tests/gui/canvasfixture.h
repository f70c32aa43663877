// A canvas to drive with simulated input in the GUI suites: a model opened from a file, its scene
// and a shown view at zoom 1 (viewport deltas are scene deltas), plus the sample path and
// screenshot helpers the canvas suites share.
#pragma once

#include <QDir>
#include <QTest>

#include <memory>
#include <string>

#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "guitestenv.h"
#include "canvas/nodeitem.h"

namespace strata::gui::test {

struct Canvas {
  GraphModel model;
  std::unique_ptr<GraphScene> scene;
  std::unique_ptr<GraphView> view;

  explicit Canvas(const QString& path) {
    if (!model.loadFile(path).isOk()) qFatal("cannot open %s", qPrintable(path));
    scene = std::make_unique<GraphScene>(&model);
    view = std::make_unique<GraphView>();
    view->setScene(scene.get());
    view->resize(1400, 800);
    view->show();
    if (!QTest::qWaitForWindowExposed(view.get())) qFatal("view not exposed");
    view->resetTransform();
    view->centerOn(scene->graphBounds().center());
  }
  QWidget* vp() const { return view->viewport(); }
  QPoint at(QPointF scenePos) const { return view->mapFromScene(scenePos); }
  QPointF out(const char* node, const char* port) const {
    return scene->nodeItem(node)->outputPortPos(port);
  }
  QPointF in(const char* node, const char* port) const {
    return scene->nodeItem(node)->inputPortPos(port);
  }
  // Press at `from`, move in steps, release at `to` (viewport coordinates).
  void drag(QPoint from, QPoint to, Qt::KeyboardModifiers mods = {}) const {
    QTest::mousePress(vp(), Qt::LeftButton, mods, from);
    for (int i = 1; i <= 4; ++i) QTest::mouseMove(vp(), from + (to - from) * i / 4);
    QTest::mouseRelease(vp(), Qt::LeftButton, mods, to);
  }
  std::string text() const { return model.document().serialize(); }
  bool hasEdge(const GraphEdge& e) const { return model.edgeIndex(e) >= 0; }
};

inline QString sample(const char* name) { return samplesDir() + QLatin1Char('/') + name; }

// Saves `w` as build/screenshots/<name> (to look at; the suites also check it is not blank).
inline void saveShot(QWidget* w, const QString& name) {
  const QString dir = binaryDir() + QStringLiteral("/screenshots");
  QDir().mkpath(dir);
  QVERIFY(w->grab().save(dir + QLatin1Char('/') + name));
}

}  // namespace strata::gui::test
