// The teaching views of the training workbench: the attention viewer on a causal Transformer
// (rows are probability distributions, nothing attends to the future) and the unrolled view of
// an LSTM (one column per step, states in (-1, 1), equal to the layer's own output). With
// STRATA_BINARY_DIR set, both are also saved as PNGs there to look at.
#include <QDockWidget>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

#include "training/attentionviewer.h"
#include "document/graphmodel.h"
#include "guitestenv.h"
#include "training/heatmapview.h"
#include "window/mainwindow.h"
#include "training/trainingcontroller.h"
#include "window/trainingworkbench.h"
#include "training/unrolledview.h"

using namespace strata;
using namespace strata::gui;

class TstModelViews final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void attentionIsCausal_data();
  void attentionIsCausal();
  void unrolledLstmSteps();
  void colormapEnds();

 private:
  // Opens a sample and trains it for a few steps (short sequences keep it fast).
  void trainBriefly(const QString& sample, int steps);
  void saveShot(QWidget* widget, const QString& name);

  MainWindow* m_window = nullptr;
  TrainingWorkbench* m_bench = nullptr;
};

void TstModelViews::initTestCase() { test::setUpEnvironment(); }

void TstModelViews::init() {
  m_window = new MainWindow;
  m_bench = TrainingWorkbench::install(m_window);
  m_window->resize(1400, 900);
}

void TstModelViews::cleanup() {
  delete m_window;
  m_window = nullptr;
}

void TstModelViews::trainBriefly(const QString& sample, int steps) {
  QVERIFY(m_window->openFile(test::samplesDir() + QLatin1Char('/') + sample));
  GraphModel* model = m_window->model();
  Json t = model->document().training;
  t["steps"] = steps;
  t["seq_len"] = 24;
  t["batch"] = 8;
  model->setTrainingSettings(t);
  TrainingController* c = m_bench->controller();
  QSignalSpy done(c, &TrainingController::finished);
  QVERIFY(c->start());
  QVERIFY(!done.isEmpty() || done.wait(60000));
  QCOMPARE(done.first().at(0).toInt(), 0);
  QVERIFY(c->hasWeights());
}

void TstModelViews::saveShot(QWidget* widget, const QString& name) {
  // The view as it sits in the workbench: its dock raised and given room.
  // The dock is an ancestor: its content scrolls (a QScrollArea sits between them).
  QDockWidget* dock = nullptr;
  for (QWidget* w = widget->parentWidget(); w && !dock; w = w->parentWidget())
    dock = qobject_cast<QDockWidget*>(w);
  QVERIFY(dock);
  m_window->resize(1400, 1000);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  dock->raise();
  m_window->resizeDocks({dock}, {600}, Qt::Vertical);
  QTest::qWait(50);
  QVERIFY(widget->isVisible());
  QVERIFY(widget->grab().save(test::binaryDir() + QLatin1Char('/') + name));
}

void TstModelViews::attentionIsCausal_data() {
  QTest::addColumn<int>("layer");
  QTest::addColumn<int>("head");
  QTest::newRow("copy 0 mean") << 0 << -1;
  QTest::newRow("copy 0 head 0") << 0 << 0;
  QTest::newRow("copy 1 head 3") << 1 << 3;
}

void TstModelViews::attentionIsCausal() {
  QFETCH(int, layer);
  QFETCH(int, head);
  trainBriefly(QStringLiteral("tiny-gpt.strata"), 20);
  AttentionViewer* viewer = m_bench->attentionViewer();
  QVERIFY2(viewer->refresh(), qPrintable(viewer->statusText()));
  QCOMPARE(viewer->layerCount(), 2);
  QCOMPARE(viewer->layerName(1), QStringLiteral("layers.1.layer"));  // the Repeat block's copy 1
  QCOMPARE(viewer->headCount(), 4);
  viewer->setLayer(layer);
  viewer->setHead(head);
  const HeatmapView* map = viewer->heatmap();
  QCOMPARE(map->rows(), 24);  // seq_len
  QCOMPARE(map->cols(), map->rows());
  for (int r = 0; r < map->rows(); ++r) {
    double sum = 0;
    for (int c = 0; c < map->cols(); ++c) {
      sum += map->value(r, c);
      if (c > r) QCOMPARE(map->value(r, c), 0.0f);  // causal: no query sees a later key
    }
    QVERIFY2(std::abs(sum - 1.0) < 1e-4, qPrintable(QString::number(sum)));
  }
  // Not uniform over the visible keys: the first query attends only to itself.
  QCOMPARE(map->value(0, 0), 1.0f);
  if (layer == 0 && head == -1) saveShot(viewer, QStringLiteral("attention-viewer.png"));
}

void TstModelViews::unrolledLstmSteps() {
  trainBriefly(QStringLiteral("char-lstm.strata"), 20);
  UnrolledView* view = m_bench->unrolledView();
  QVERIFY2(view->refresh(), qPrintable(view->statusText()));
  QCOMPARE(view->layerCount(), 1);
  QVERIFY(view->isLstm());
  QCOMPARE(view->stepCount(), 24);
  QCOMPARE(view->hiddenSize(), 256);
  const HeatmapView* h = view->hiddenView();
  QCOMPARE(h->cols(), 24);  // one column per time step
  QCOMPARE(h->rows(), 256);
  QCOMPARE(view->cellView()->cols(), 24);
  bool nonZero = false;
  for (float v : h->values()) {
    QVERIFY2(v > -1.0f && v < 1.0f, qPrintable(QString::number(v)));
    nonZero = nonZero || v != 0.0f;
  }
  QVERIFY(nonZero);
  // The states re-stepped from the weights are what the layer itself outputs.
  QVERIFY(view->outputMismatch() >= 0.0);
  QVERIFY2(view->outputMismatch() < 1e-4, qPrintable(QString::number(view->outputMismatch())));
  const QString tip = view->stepSummary(3, 7);
  QVERIFY(tip.contains(QStringLiteral("forget f")));
  QVERIFY(tip.contains(QStringLiteral("unit 7")));
  saveShot(view, QStringLiteral("unrolled-view.png"));
}

void TstModelViews::colormapEnds() {
  using M = HeatmapView::ColorMap;
  QCOMPARE(HeatmapView::colorFor(M::Sequential, 0.0) & 0xffffff, 0x440154u);
  QCOMPARE(HeatmapView::colorFor(M::Sequential, 1.0) & 0xffffff, 0xfde725u);
  QCOMPARE(HeatmapView::colorFor(M::Diverging, 0.5) & 0xffffff, 0xf7f7f7u);
}

QTEST_MAIN(TstModelViews)
#include "tst_modelviews.moc"
