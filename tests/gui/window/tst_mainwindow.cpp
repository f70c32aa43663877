// The main window end to end: the sample gallery, opening each sample onto the canvas, the status
// bar and title, errors on bad files (reported, never fatal), and a screenshot that shows a graph.
#include <QApplication>
#include <QDir>
#include <QImage>
#include <QMessageBox>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include "canvas/canvastheme.h"
#include "canvas/edgeitem.h"
#include "document/formatting.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "guitestenv.h"
#include "window/mainwindow.h"
#include "canvas/nodeitem.h"
#include "gallery/samplecard.h"
#include "gallery/samplegallery.h"

using namespace strata;
using namespace strata::gui;

namespace {

struct PixelStats {
  int distinctColours = 0;
  double nonBackground = 0;  // fraction of pixels that differ from the most common colour
};

PixelStats pixelStats(const QImage& image) {
  QHash<QRgb, int> counts;
  const QImage img = image.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < img.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(img.constScanLine(y));
    for (int x = 0; x < img.width(); ++x) ++counts[line[x]];
  }
  int most = 0;
  for (int c : counts) most = std::max(most, c);
  const double total = double(img.width()) * img.height();
  return {int(counts.size()), total > 0 ? 1.0 - most / total : 0};
}

void closeMessageBoxes(QWidget* window) {
  for (QMessageBox* box : window->findChildren<QMessageBox*>()) box->close();
  QCoreApplication::processEvents();
}

QString screenshotPath(const QString& name) {
  QDir dir(test::binaryDir());
  dir.mkpath(QStringLiteral("screenshots"));
  return dir.filePath(QStringLiteral("screenshots/") + name);
}

}  // namespace

class TestMainWindow final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void galleryListsSamples();
  void galleryCardOpensSample();
  void opensEachSample_data();
  void opensEachSample();
  void badFileIsReportedAndSurvived_data();
  void badFileIsReportedAndSurvived();
  void brokenGraphOpensWithProblems();
  void viewZoomAndFit();
  void screenshot_data();
  void screenshot();
};

void TestMainWindow::galleryListsSamples() {
  MainWindow window;
  QVERIFY(window.isShowingGallery());
  QCOMPARE(window.windowTitle(), QStringLiteral("Strata"));
  const int files = QDir(test::samplesDir())
                        .entryList({QStringLiteral("*.strata")}, QDir::Files)
                        .size();
  QVERIFY(files >= 1);
  QCOMPARE(window.gallery()->cards().size(), files);
  for (SampleCard* card : window.gallery()->cards()) {
    QVERIFY(card->info().readable);
    QVERIFY(!card->info().name.isEmpty());
    QVERIFY2(!card->info().description.isEmpty(), qPrintable(card->info().path));
  }
}

void TestMainWindow::galleryCardOpensSample() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  SampleCard* card = window.gallery()->cards().value(0);
  QVERIFY(card);
  QTest::mouseClick(card, Qt::LeftButton, {}, card->rect().center());
  QVERIFY(!window.isShowingGallery());
  QCOMPARE(window.model()->filePath(), card->info().path);
  QVERIFY(window.windowTitle().contains(card->info().name));
  QVERIFY(!window.scene()->nodeItems().empty());
}

void TestMainWindow::opensEachSample_data() {
  QTest::addColumn<QString>("path");
  for (const QString& g : test::validGraphs())
    QTest::newRow(qPrintable(QFileInfo(g).fileName())) << g;
}

void TestMainWindow::opensEachSample() {
  QFETCH(QString, path);
  MainWindow window;
  QSignalSpy errors(&window, &MainWindow::errorReported);
  QVERIFY(window.openFile(path));
  QCOMPARE(errors.count(), 0);
  QVERIFY(!window.isShowingGallery());
  const GraphDocument& doc = window.model()->document();
  QCOMPARE(window.scene()->nodeItems().size(), doc.nodes.size());
  QCOMPARE(window.scene()->edgeItems().size(), doc.edges.size());
  for (EdgeItem* edge : window.scene()->edgeItems()) {
    const auto type = window.model()->analysis().typeOf(edge->edge().from);
    QVERIFY(type.has_value());
    QCOMPARE(edge->label(), QString::fromStdString(shapeToString(type->shape)));
  }
  QVERIFY(window.windowTitle().contains(window.model()->displayName()));
  const QString status = window.statusText();
  QVERIFY2(status.contains(QFileInfo(path).fileName()), qPrintable(status));
  QVERIFY2(status.contains(QStringLiteral("Parameters: ") +
                           formatCount(window.model()->analysis().totalParameters)),
           qPrintable(status));
  QVERIFY2(status.contains(QStringLiteral("FLOPs: ")), qPrintable(status));
  QVERIFY2(status.contains(QStringLiteral("Valid")), qPrintable(status));
}

void TestMainWindow::badFileIsReportedAndSurvived_data() {
  QTest::addColumn<QString>("path");
  QTest::newRow("malformed JSON") << test::dataFile(QStringLiteral("malformed.strata"));
  QTest::newRow("missing file") << test::dataFile(QStringLiteral("no-such-graph.strata"));
  QTest::newRow("not a graph") << test::sourceDir() + QStringLiteral("/README.md");
}

void TestMainWindow::badFileIsReportedAndSurvived() {
  QFETCH(QString, path);
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  const QString good = test::dataFile(QStringLiteral("token-lstm.strata"));
  QVERIFY(window.openFile(good));
  const QString title = window.windowTitle();

  QSignalSpy errors(&window, &MainWindow::errorReported);
  QVERIFY(!window.openFile(path));
  QCOMPARE(errors.count(), 1);
  QVERIFY(!window.lastError().isEmpty());
  QVERIFY2(window.lastError().contains(QFileInfo(path).fileName()),
           qPrintable(window.lastError()));
  const QList<QMessageBox*> boxes = window.findChildren<QMessageBox*>();
  QCOMPARE(boxes.size(), 1);
  QVERIFY(boxes.first()->isVisible());
  QCOMPARE(boxes.first()->text(), window.lastError());

  // The window and the previous graph are still there.
  closeMessageBoxes(&window);
  QVERIFY(window.isVisible());
  QCOMPARE(window.model()->filePath(), good);
  QCOMPARE(window.windowTitle(), title);
  QCOMPARE(window.scene()->nodeItems().size(), size_t(8));
  QVERIFY(window.openFile(good));
}

void TestMainWindow::brokenGraphOpensWithProblems() {
  MainWindow window;
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("broken-layers.strata"))));
  NodeItem* bad = window.scene()->nodeItem("mystery");
  QVERIFY(bad);
  QVERIFY(window.statusText().contains(QStringLiteral("problem")));
  QVERIFY(window.lastError().isEmpty());  // a graph with errors is not a file error
}

void TestMainWindow::viewZoomAndFit() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  GraphView* view = window.view();
  // Fitting frames the whole graph.
  view->fitToView();
  const QRectF visible = view->mapToScene(view->viewport()->rect()).boundingRect();
  QVERIFY(visible.contains(window.scene()->graphBounds().adjusted(2, 2, -2, -2)));
  const double fitted = view->zoom();
  view->zoomIn();
  QVERIFY(view->zoom() > fitted);
  view->zoomOut();
  QVERIFY(qAbs(view->zoom() - fitted) < 1e-6);

  // The wheel zooms around the cursor: the scene point under it stays put.
  const QPoint cursor(view->viewport()->width() / 3, view->viewport()->height() / 3);
  const QPointF before = view->mapToScene(cursor);
  QWheelEvent wheel(cursor, view->viewport()->mapToGlobal(cursor), QPoint(), QPoint(0, 120),
                    Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(view->viewport(), &wheel);
  QVERIFY(view->zoom() > fitted);
  const QPointF after = view->mapToScene(cursor);
  QVERIFY2(QLineF(before, after).length() < 2.0, "the point under the cursor moved");

  // Middle-drag pans.
  const QPointF centre = view->mapToScene(view->viewport()->rect().center());
  QTest::mousePress(view->viewport(), Qt::MiddleButton, {}, QPoint(200, 200));
  QTest::mouseMove(view->viewport(), QPoint(260, 230));
  QTest::mouseRelease(view->viewport(), Qt::MiddleButton, {}, QPoint(260, 230));
  const QPointF moved = view->mapToScene(view->viewport()->rect().center());
  QVERIFY(moved.x() < centre.x());
  QVERIFY(moved.y() < centre.y());
}

void TestMainWindow::screenshot_data() {
  QTest::addColumn<QString>("path");
  QTest::addColumn<QString>("name");
  QTest::addColumn<bool>("dark");
  QTest::addColumn<QSize>("size");
  const QSize normal(1280, 760);
  QTest::newRow("gallery") << QString() << QStringLiteral("mainwindow-gallery.png") << false
                           << normal;
  for (const QString& g : test::validGraphs())
    QTest::newRow(qPrintable(QFileInfo(g).fileName()))
        << g << QStringLiteral("mainwindow-%1.png").arg(QFileInfo(g).completeBaseName())
        << false << normal;
  QTest::newRow("broken-layers") << test::dataFile(QStringLiteral("broken-layers.strata"))
                                 << QStringLiteral("mainwindow-broken-layers.png") << false
                                 << normal;
  QTest::newRow("dark") << test::dataFile(QStringLiteral("token-lstm.strata"))
                        << QStringLiteral("mainwindow-token-lstm-dark.png") << true << normal;
  QTest::newRow("large") << test::dataFile(QStringLiteral("token-lstm.strata"))
                         << QStringLiteral("mainwindow-token-lstm-large.png") << false
                         << QSize(1600, 900);
}

void TestMainWindow::screenshot() {
  QFETCH(QString, path);
  QFETCH(QString, name);
  QFETCH(bool, dark);
  QFETCH(QSize, size);
  MainWindow window;
  if (dark) window.scene()->setTheme(CanvasTheme::dark());
  window.resize(size);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  if (!path.isEmpty()) QVERIFY(window.openFile(path));
  QCoreApplication::processEvents();
  const QImage image = window.grab().toImage();
  QVERIFY(!image.isNull());
  QCOMPARE(image.size(), size * image.devicePixelRatio());
  const QString file = screenshotPath(name);
  QVERIFY(image.save(file));
  const PixelStats stats = pixelStats(image);
  qInfo("%s: %d colours, %.1f%% non-background", qPrintable(file), stats.distinctColours,
        stats.nonBackground * 100);
  // Text, cards, ports and edges bring hundreds of antialiased colours; a blank or one-colour
  // window has a handful.
  QVERIFY2(stats.distinctColours > 200, qPrintable(QString::number(stats.distinctColours)));
  QVERIFY2(stats.nonBackground > 0.05, qPrintable(QString::number(stats.nonBackground)));
  if (!path.isEmpty()) {
    // The canvas itself (not just menus and status bar) shows the graph.
    const QImage canvas = window.view()->viewport()->grab().toImage();
    QVERIFY(pixelStats(canvas).distinctColours > 150);
  }
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
