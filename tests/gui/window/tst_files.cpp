// The file workflow of the main window: save -> open round trip, the dirty marker, the
// Save/Discard/Cancel prompt, recent files, autosave and recovery, PNG/SVG export, the theme
// setting, gallery thumbnails, and screenshots of every sample with the docks visible.
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QUndoView>

#include "document/autosavemanager.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "guitestenv.h"
#include "panels/inspectorwidget.h"
#include "window/mainwindow.h"
#include "canvas/nodeitem.h"
#include "panels/palettewidget.h"
#include "canvas/canvastheme.h"
#include "gallery/graphsketch.h"
#include "gallery/samplecard.h"
#include "gallery/samplegallery.h"

using namespace strata;
using namespace strata::gui;

namespace {

// How many distinct colours, and the share of pixels that are not the most common one.
std::pair<int, double> pixelStats(const QImage& image) {
  QHash<QRgb, int> counts;
  const QImage img = image.convertToFormat(QImage::Format_RGB32);
  for (int y = 0; y < img.height(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(img.constScanLine(y));
    for (int x = 0; x < img.width(); ++x) ++counts[line[x]];
  }
  int most = 0;
  for (int c : counts) most = std::max(most, c);
  return {int(counts.size()), 1.0 - most / (double(img.width()) * img.height())};
}

QString screenshotPath(const QString& name) {
  QDir dir(test::binaryDir());
  dir.mkpath(QStringLiteral("screenshots"));
  return dir.filePath(QStringLiteral("screenshots/") + name);
}

void editSomething(MainWindow& window) {
  const GraphNode& first = window.model()->document().nodes.front();
  QVERIFY(window.editor()->moveNodes({{first.id, QPointF(first.x, first.y),
                                       QPointF(first.x + 40, first.y + 10)}}));
}

}  // namespace

class TestFiles final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void saveOpenRoundTrip_data();
  void saveOpenRoundTrip();
  void dirtyMarker();
  void promptCancelKeepsTheGraph();
  void promptSaveWritesFirst();
  void recentFiles();
  void autosaveAndRecover();
  void cleanSaveRemovesRecovery();
  void exportPngAndSvg();
  void themeIsRemembered();
  void galleryCardsHaveThumbnails();
  void gallerySketchFollowsTheData();
  void editShortcutsExist();
  void editMenuReachesTheCanvas();
  void screenshot_data();
  void screenshot();

 private:
  QTemporaryDir m_tmp;
};

void TestFiles::saveOpenRoundTrip_data() {
  QTest::addColumn<QString>("path");
  for (const QString& g : test::validGraphs())
    QTest::newRow(qPrintable(QFileInfo(g).fileName())) << g;
}

void TestFiles::saveOpenRoundTrip() {
  QFETCH(QString, path);
  MainWindow window;
  QVERIFY(window.openFile(path));
  const QString copy = m_tmp.filePath(QFileInfo(path).fileName());
  QVERIFY(window.saveAs(copy));
  QCOMPARE(window.currentFile(), copy);
  MainWindow other;
  QVERIFY(other.openFile(copy));
  QCOMPARE(other.model()->document().serialize(), window.model()->document().serialize());
  QVERIFY(other.model()->document().toJson() == window.model()->document().toJson());
}

void TestFiles::dirtyMarker() {
  MainWindow window;
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  QVERIFY(window.windowTitle().contains(QStringLiteral("[*]")));
  QVERIFY(!window.isWindowModified());
  editSomething(window);
  QVERIFY(window.isWindowModified());
  QVERIFY(window.isModified());
  QVERIFY(window.saveAs(m_tmp.filePath(QStringLiteral("dirty.strata"))));
  QVERIFY(!window.isWindowModified());
  window.model()->undoStack()->undo();
  QVERIFY(window.isWindowModified());
  window.model()->undoStack()->redo();
  QVERIFY(!window.isWindowModified());
}

void TestFiles::promptCancelKeepsTheGraph() {
  MainWindow window;
  int asked = 0;
  QMessageBox::StandardButton answer = QMessageBox::Cancel;
  window.setSavePrompt([&](const QString&) {
    ++asked;
    return answer;
  });
  const QString lstm = test::dataFile(QStringLiteral("token-lstm.strata"));
  QVERIFY(window.openFile(lstm));
  QCOMPARE(asked, 0);  // nothing to lose yet
  editSomething(window);
  QVERIFY(!window.openFile(test::dataFile(QStringLiteral("tiny-transformer.strata"))));
  QCOMPARE(asked, 1);
  QVERIFY(window.model()->document().node("lstm"));
  QVERIFY(window.isModified());
  window.newFile();
  QCOMPARE(asked, 2);
  QVERIFY(!window.model()->isEmpty());
  answer = QMessageBox::Discard;
  window.newFile();
  QVERIFY(window.model()->isEmpty());
  QVERIFY(!window.isModified());
  QVERIFY(!window.isShowingGallery());
}

void TestFiles::promptSaveWritesFirst() {
  const QString path = m_tmp.filePath(QStringLiteral("prompt-save.strata"));
  QFile::remove(path);
  QVERIFY(QFile::copy(test::dataFile(QStringLiteral("token-lstm.strata")), path));
  QFile(path).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
  MainWindow window;
  window.setSavePrompt([](const QString&) { return QMessageBox::Save; });
  QVERIFY(window.openFile(path));
  editSomething(window);
  const std::string edited = window.model()->document().serialize();
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("tiny-transformer.strata"))));
  Result<GraphDocument> saved = GraphDocument::load(path.toStdString());
  QVERIFY(saved);
  QCOMPARE(saved->serialize(), edited);
}

void TestFiles::recentFiles() {
  QSettings().remove(QStringLiteral("recentFiles"));
  MainWindow window;
  const QString a = test::dataFile(QStringLiteral("token-lstm.strata"));
  const QString b = test::dataFile(QStringLiteral("tiny-transformer.strata"));
  QVERIFY(window.openFile(a));
  QVERIFY(window.openFile(b));
  QVERIFY(window.openFile(a));
  const QStringList recent = window.recentFiles();
  QCOMPARE(recent.size(), 2);
  QCOMPARE(recent.first(), QFileInfo(a).absoluteFilePath());
  QCOMPARE(recent.at(1), QFileInfo(b).absoluteFilePath());
}

void TestFiles::autosaveAndRecover() {
  QFile::remove(AutosaveManager::recoveryPath());
  std::string edited;
  {
    MainWindow window;
    window.autosave()->setInterval(50);
    const QString path = test::dataFile(QStringLiteral("token-lstm.strata"));
    QVERIFY(window.openFile(path));
    QTest::qWait(120);
    QVERIFY(!AutosaveManager::hasRecovery());  // clean: nothing written
    editSomething(window);
    edited = window.model()->document().serialize();
    QTRY_VERIFY_WITH_TIMEOUT(AutosaveManager::hasRecovery(), 3000);
    QCOMPARE(AutosaveManager::recoveredFromPath(), QFileInfo(path).absoluteFilePath());
    // A crash: the window goes without its close event, so the file stays.
  }
  QVERIFY(AutosaveManager::hasRecovery());
  MainWindow next;
  QVERIFY(next.hasRecoveryOffer());
  QVERIFY(next.isShowingGallery());  // the offer does not block anything
  QVERIFY(next.recoverAutosave());
  QVERIFY(!next.hasRecoveryOffer());
  QCOMPARE(next.model()->document().serialize(), edited);
  QVERIFY(next.isModified());
  QVERIFY(next.windowTitle().contains(QStringLiteral("token-lstm")) ||
          next.windowTitle().contains(next.model()->displayName()));
  next.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  QVERIFY(next.close());
  QVERIFY(!AutosaveManager::hasRecovery());  // a normal exit leaves nothing behind
}

void TestFiles::cleanSaveRemovesRecovery() {
  MainWindow window;
  window.autosave()->setInterval(20);
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  editSomething(window);
  QTRY_VERIFY_WITH_TIMEOUT(AutosaveManager::hasRecovery(), 3000);
  QVERIFY(window.saveAs(m_tmp.filePath(QStringLiteral("clean.strata"))));
  QVERIFY(!AutosaveManager::hasRecovery());
  MainWindow next;
  QVERIFY(!next.hasRecoveryOffer());
}

void TestFiles::exportPngAndSvg() {
  MainWindow window;
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  window.scene()->nodeItem("lstm")->setSelected(true);
  const QString png = m_tmp.filePath(QStringLiteral("graph.png"));
  const QString svg = m_tmp.filePath(QStringLiteral("graph.svg"));
  QVERIFY(window.exportImage(png));
  QVERIFY(window.exportImage(svg));
  const QImage image(png);
  QVERIFY(!image.isNull());
  QVERIFY(image.width() > image.height());  // the graph runs left to right
  const auto [colours, ink] = pixelStats(image);
  QVERIFY2(colours > 50 && ink > 0.05, qPrintable(QString::number(colours)));
  QVERIFY(window.scene()->nodeItem("lstm")->isSelected());  // the selection comes back
  QFile file(svg);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QByteArray text = file.readAll();
  QVERIFY(text.contains("<svg"));
  QVERIFY(text.contains("lstm"));
}

void TestFiles::themeIsRemembered() {
  {
    MainWindow window;
    window.setDarkTheme(true);
    QVERIFY(window.scene()->theme().isDark);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 100);
  }
  {
    MainWindow window;
    QVERIFY(window.isDarkTheme());
    QVERIFY(window.scene()->theme().isDark);
    window.setDarkTheme(false);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
  }
  MainWindow window;
  QVERIFY(!window.isDarkTheme());
}

void TestFiles::galleryCardsHaveThumbnails() {
  MainWindow window;
  window.resize(1366, 768);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(!window.gallery()->cards().isEmpty());
  for (SampleCard* card : window.gallery()->cards()) {
    const QString path = card->info().path;
    QVERIFY2(!card->thumbnail().isNull(), qPrintable(path));
    const auto [colours, ink] = pixelStats(card->thumbnail().toImage());
    QVERIFY2(colours > 20 && ink > 0.02, qPrintable(path));
    // The sketch names every node by its type in text a person can read at card size, from the
    // narrowest card (360 px: three columns on a 1280-pixel screen) to a wide one: no label under 10 px, every pill inside
    // the picture, no two pills on top of each other, and every node of a sample shown.
    const GraphSketch& sketch = card->sketch();
    QCOMPARE(int(sketch.nodes().size()), card->info().nodeCount);
    QCOMPARE(sketch.nodes().front().label, QStringLiteral("Input"));
    for (const qreal width : {card->thumbnailRect().width(), 360.0, 480.0}) {
      const QRectF area(0, 0, width, card->thumbnailRect().height());
      const GraphSketch::Layout lay = sketch.layout(area);
      const QString where = QStringLiteral("%1 at %2 px").arg(path).arg(width);
      QVERIFY2(lay.labelPixels >= GraphSketch::kMinLabelPixels, qPrintable(where));
      QVERIFY2(lay.shown == int(sketch.nodes().size()),
               qPrintable(where + QStringLiteral(": %1 of %2 nodes shown at %3 px")
                                     .arg(lay.shown)
                                     .arg(sketch.nodes().size())
                                     .arg(lay.labelPixels)));
      QVERIFY2(lay.more.isEmpty(), qPrintable(where));
      for (int i = 0; i < lay.pills.size(); ++i) {
        QVERIFY2(area.contains(lay.pills[i]), qPrintable(where));
        QVERIFY2(lay.pills[i].height() >= lay.labelPixels + 6, qPrintable(where));
        for (int j = 0; j < i; ++j)
          QVERIFY2(!lay.pills[i].intersects(lay.pills[j]), qPrintable(where));
      }
    }
  }
  QVERIFY(window.gallery()->grab().save(screenshotPath(QStringLiteral("gallery-1366x768.png"))));
}

void TestFiles::gallerySketchFollowsTheData() {
  // A residual block drawn right to left on the canvas still reads in data-flow order, and a
  // graph too big for a card shows what fits and counts the rest instead of shrinking the text.
  GraphDocument doc;
  doc.nodes = {{"add", "Add", Json::object(), 0, 0},
               {"x", "Input", Json::object(), 600, 0},
               {"fc", "Linear", Json::object(), 300, 0}};
  doc.edges = {{{"x", "out"}, {"fc", "in"}}, {{"fc", "out"}, {"add", "in0"}},
               {{"x", "out"}, {"add", "in1"}}};
  const GraphSketch small = GraphSketch::fromDocument(doc);
  QCOMPARE(small.nodes()[0].label, QStringLiteral("Input"));
  QCOMPARE(small.nodes()[1].label, QStringLiteral("Linear"));
  QCOMPARE(small.nodes()[2].label, QStringLiteral("Add"));
  QCOMPARE(small.edges().size(), size_t(3));

  GraphDocument big;
  for (int i = 0; i < 40; ++i) {
    big.nodes.push_back({"n" + std::to_string(i), "TransformerEncoderLayer", Json::object(),
                         i * 200.0, 0});
    if (i) big.edges.push_back({{"n" + std::to_string(i - 1), "out"}, {"n" + std::to_string(i), "in"}});
  }
  const GraphSketch sketch = GraphSketch::fromDocument(big);
  QCOMPARE(sketch.nodes()[0].label, QStringLiteral("TransformerEncoder"));
  const GraphSketch::Layout lay = sketch.layout(QRectF(0, 0, 300, 132));
  QVERIFY(lay.shown > 0 && lay.shown < 40);
  QCOMPARE(lay.labelPixels, GraphSketch::kMinLabelPixels);
  QVERIFY(!lay.more.isEmpty());
  QVERIFY(QRectF(0, 0, 300, 132).contains(lay.more));
  for (const QRectF& pill : lay.pills) QVERIFY(!pill.intersects(lay.more));
}

void TestFiles::editShortcutsExist() {
  MainWindow window;
  const QList<std::pair<const char*, QKeySequence>> expected = {
      {"undo", QKeySequence::Undo},        {"redo", QKeySequence(Qt::CTRL | Qt::Key_Y)},
      {"redo", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z)},
      {"save", QKeySequence::Save},        {"open", QKeySequence::Open},
      {"new", QKeySequence::New},          {"copy", QKeySequence::Copy},
      {"paste", QKeySequence::Paste},      {"cut", QKeySequence::Cut},
      {"delete", QKeySequence::Delete},    {"selectAll", QKeySequence::SelectAll},
      {"duplicate", QKeySequence(Qt::CTRL | Qt::Key_D)}};
  for (const auto& [name, key] : expected) {
    QAction* a = window.action(QLatin1String(name));
    QVERIFY2(a, name);
    QVERIFY2(a->shortcuts().contains(key), name);
  }
}

void TestFiles::editMenuReachesTheCanvas() {
  MainWindow window;
  window.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  const size_t nodes = window.model()->document().nodes.size();
  auto* history = window.historyDock()->findChild<QUndoView*>();
  QVERIFY(history);
  QCOMPARE(history->model()->rowCount(), 1);  // "<opened>"
  window.scene()->selectNodes({"pool"});
  QVERIFY(window.action(QStringLiteral("delete"))->isEnabled());
  window.action(QStringLiteral("delete"))->trigger();
  QCOMPARE(window.model()->document().nodes.size(), nodes - 1);
  QCOMPARE(history->model()->rowCount(), 2);
  QTest::keySequence(&window, QKeySequence(Qt::CTRL | Qt::Key_Z));
  QCOMPARE(window.model()->document().nodes.size(), nodes);
  QTest::keySequence(&window, QKeySequence(Qt::CTRL | Qt::Key_Y));
  QCOMPARE(window.model()->document().nodes.size(), nodes - 1);
  window.action(QStringLiteral("undo"))->trigger();
  window.action(QStringLiteral("selectAll"))->trigger();
  QCOMPARE(window.scene()->selectedNodeIds().size(), nodes);
  window.scene()->selectNodes({"lstm"});
  window.action(QStringLiteral("duplicate"))->trigger();
  QCOMPARE(window.model()->document().nodes.size(), nodes + 1);
  window.action(QStringLiteral("copy"))->trigger();
  window.action(QStringLiteral("paste"))->trigger();
  QCOMPARE(window.model()->document().nodes.size(), nodes + 2);
  QVERIFY(window.isModified());
}

void TestFiles::screenshot_data() {
  QTest::addColumn<QString>("path");
  QTest::addColumn<QString>("select");
  QTest::addColumn<bool>("dark");
  for (const QString& g : test::validGraphs())
    QTest::newRow(qPrintable(QFileInfo(g).completeBaseName())) << g << QString() << false;
  QTest::newRow("token-lstm-dark") << test::dataFile(QStringLiteral("token-lstm.strata"))
                                   << QStringLiteral("lstm") << true;
}

void TestFiles::screenshot() {
  QFETCH(QString, path);
  QFETCH(QString, select);
  QFETCH(bool, dark);
  MainWindow window;
  window.setDarkTheme(dark);
  window.resize(1600, 960);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(path));
  QVERIFY(window.paletteDock()->isVisible());
  QVERIFY(window.inspectorDock()->isVisible());
  // Show the node with the most parameters to set in the inspector, and its docs.
  std::string id = select.toStdString();
  size_t most = 0;
  if (id.empty())
    for (const GraphNode& n : window.model()->document().nodes) {
      const LayerSpec* spec = LayerRegistry::instance().find(n.type);
      if (spec && spec->params.size() > most) {
        most = spec->params.size();
        id = n.id;
      }
    }
  if (id.empty()) id = window.model()->document().nodes.front().id;
  window.scene()->nodeItem(id)->setSelected(true);
  window.palette()->selectType(
      QString::fromStdString(window.model()->document().node(id)->type));
  QCOMPARE(window.inspector()->nodeId(), id);
  QTest::qWait(50);
  const QImage image = window.grab().toImage();
  QVERIFY(!image.isNull());
  const auto [colours, ink] = pixelStats(image);
  QVERIFY2(colours > 200 && ink > 0.2, qPrintable(QString::number(colours)));
  const QString name =
      QStringLiteral("editor-%1.png").arg(QString::fromLatin1(QTest::currentDataTag()));
  QVERIFY(image.save(screenshotPath(name)));
  window.setDarkTheme(false);
}

QTEST_MAIN(TestFiles)
#include "tst_files.moc"
