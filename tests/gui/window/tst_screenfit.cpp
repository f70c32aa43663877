// The main window on small screens (issue 17): with each sample open, at 1280×720, 1366×768 and
// 1920×1080 available, the window fits, the Train button, the loss chart and the canvas are
// visible at a useful size, and no two visible docks overlap. The screen size is injected
// (MainWindow::fitToScreen), as the offscreen platform has one fixed screen.
#include <QDockWidget>
#include <QDir>
#include <QtCharts/QChartView>
#include <QPushButton>
#include <QtTest>

#include "canvas/graphview.h"
#include "guitestenv.h"
#include "window/mainwindow.h"
#include "gallery/samplegallery.h"
#include "training/trainingcharts.h"
#include "training/trainingpanel.h"
#include "window/trainingworkbench.h"

using namespace strata::gui;

class TstScreenFit final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { test::setUpEnvironment(); }
  void fits_data();
  void fits();
  void startPageShowsNoDocks();
};

namespace {

// Visible docks whose rectangles share pixels.
QStringList overlappingDocks(const MainWindow& w) {
  QList<QDockWidget*> docks;
  for (QDockWidget* d : w.findChildren<QDockWidget*>())
    if (d->isVisible() && !d->isFloating() && !d->visibleRegion().isEmpty()) docks << d;
  QStringList out;
  for (qsizetype i = 0; i < docks.size(); ++i)
    for (qsizetype j = i + 1; j < docks.size(); ++j)
      if (docks[i]->geometry().intersects(docks[j]->geometry()))
        out << docks[i]->objectName() + QLatin1Char('/') + docks[j]->objectName();
  return out;
}

}  // namespace

void TstScreenFit::fits_data() {
  QTest::addColumn<QSize>("screen");
  QTest::addColumn<QString>("sample");
  const QStringList samples =
      QDir(test::samplesDir()).entryList({QStringLiteral("*.strata")}, QDir::Files, QDir::Name);
  QVERIFY(!samples.isEmpty());
  for (QSize screen : {QSize(1280, 720), QSize(1366, 768), QSize(1920, 1080)})
    for (const QString& s : samples)
      QTest::addRow("%dx%d %s", screen.width(), screen.height(), qPrintable(s))
          << screen << test::samplesDir() + QLatin1Char('/') + s;
}

void TstScreenFit::fits() {
  QFETCH(QSize, screen);
  QFETCH(QString, sample);
  MainWindow w;
  TrainingWorkbench* bench = TrainingWorkbench::install(&w);
  w.fitToScreen(QRect(QPoint(0, 0), screen));
  QVERIFY(w.openFile(sample));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(50);

  const QString sizes = QStringLiteral("window %1x%2, minimum %3x%4")
                            .arg(w.width()).arg(w.height())
                            .arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height());
  if (qEnvironmentVariableIsSet("STRATA_DUMP_DOCKS"))
    for (QDockWidget* d : w.findChildren<QDockWidget*>())
      qInfo("%s min %dx%d geom %d,%d %dx%d vis %d", qPrintable(d->objectName()),
            d->minimumSizeHint().width(), d->minimumSizeHint().height(), d->x(), d->y(),
            d->width(), d->height(), d->isVisible());
  QVERIFY2(w.width() <= screen.width() && w.height() <= screen.height(), qPrintable(sizes));
  QVERIFY2(w.minimumSizeHint().width() <= screen.width() &&
               w.minimumSizeHint().height() <= screen.height(),
           qPrintable(sizes));

  const QStringList overlaps = overlappingDocks(w);
  QVERIFY2(overlaps.isEmpty(), qPrintable(overlaps.join(QLatin1String(", "))));

  auto visibleIn = [&w](QWidget* widget, QSize least) {
    if (!widget->isVisible() || widget->visibleRegion().isEmpty()) return false;
    const QRect r(widget->mapTo(&w, QPoint(0, 0)), widget->size());
    return w.rect().contains(r.topLeft()) && r.width() >= least.width() &&
           r.height() >= least.height();
  };
  QVERIFY2(visibleIn(bench->panel()->trainButton(), QSize(40, 20)), qPrintable(sizes));
  QWidget* loss = bench->charts()->lossView()->viewport();
  QVERIFY2(visibleIn(loss, QSize(300, 120)),
           qPrintable(sizes + QStringLiteral(", loss chart %1x%2")
                                  .arg(loss->width()).arg(loss->height())));
  QWidget* canvas = w.view()->viewport();
  QVERIFY2(visibleIn(canvas, QSize(400, 250)),
           qPrintable(sizes + QStringLiteral(", canvas %1x%2")
                                  .arg(canvas->width()).arg(canvas->height())));
  // The canvas is the largest part of the window.
  for (QDockWidget* d : w.findChildren<QDockWidget*>())
    if (d->isVisible())
      QVERIFY2(d->width() * d->height() < canvas->width() * canvas->height(),
               qPrintable(d->objectName()));
  qInfo("%dx%d: %s, canvas %dx%d, loss chart %dx%d", screen.width(), screen.height(),
        qPrintable(sizes), canvas->width(), canvas->height(), loss->width(), loss->height());
}

void TstScreenFit::startPageShowsNoDocks() {
  MainWindow w;
  TrainingWorkbench::install(&w);
  w.fitToScreen(QRect(0, 0, 1366, 768));
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QVERIFY(w.isShowingGallery());
  for (QDockWidget* d : w.findChildren<QDockWidget*>())
    QVERIFY2(!d->isVisible(), qPrintable(d->objectName()));
}

QTEST_MAIN(TstScreenFit)
#include "tst_screenfit.moc"
