// The palette: every LayerRegistry type listed under its category, search by name and summary,
// tooltips and the docs panel from the catalogue, the drag payload, double-click to add, and the
// wire-kind filtered popup.
#include <QApplication>
#include <QDropEvent>
#include <QListWidget>
#include <QMimeData>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>
#include <QTreeView>
#include <QUndoStack>

#include <algorithm>

#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "guitestenv.h"
#include "panels/layercatalogmodel.h"
#include "panels/layerdocview.h"
#include "panels/layerpickerpopup.h"
#include "window/mainwindow.h"
#include "canvas/nodeitem.h"
#include "panels/palettewidget.h"

using namespace strata;
using namespace strata::gui;

class TestPalette final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void listsEveryRegistryTypeGrouped();
  void categoriesInPaletteOrder();
  void searchFilters_data();
  void searchFilters();
  void tooltipIsTheLayerDoc();
  void dragCarriesTheTypeName();
  void dropOnCanvasAddsTheLayer();
  void docsPanelShowsPortsAndParams();
  void doubleClickAddsAtCentre();
  void wireDroppedOnEmptyCanvasOffersFittingLayers();
  void pickerListsLayersAcceptingTheWire_data();
  void pickerListsLayersAcceptingTheWire();
};

void TestPalette::listsEveryRegistryTypeGrouped() {
  PaletteWidget palette;
  QStringList expected;
  for (const LayerSpec& spec : LayerRegistry::instance().all()) {
    expected << QString::fromStdString(spec.type);
    const QStringList group = palette.typesIn(QString::fromStdString(spec.category));
    QVERIFY2(group.contains(QString::fromStdString(spec.type)), spec.type.c_str());
  }
  QStringList shown = palette.visibleTypes();
  QCOMPARE(shown.size(), expected.size());
  shown.sort();
  expected.sort();
  QCOMPARE(shown, expected);
}

void TestPalette::categoriesInPaletteOrder() {
  PaletteWidget palette;
  const QStringList shown = palette.visibleCategories();
  QStringList known;
  for (const QString& c : LayerCatalogModel::categoryOrder())
    if (shown.contains(c)) known << c;
  QCOMPARE(shown.mid(0, known.size()), known);
  QVERIFY(shown.contains(QStringLiteral("Recurrent")));
  QVERIFY(shown.contains(QStringLiteral("Losses")));
}

void TestPalette::searchFilters_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QStringList>("present");
  QTest::addColumn<QStringList>("absent");
  QTest::newRow("name") << "lstm" << QStringList{"LSTM"} << QStringList{"Linear", "GRU"};
  QTest::newRow("case") << "GrU" << QStringList{"GRU"} << QStringList{"LSTM"};
  QTest::newRow("losses") << "loss" << QStringList{"MSELoss", "CrossEntropyLoss"}
                          << QStringList{"ReLU"};
  QTest::newRow("nothing") << "zzzz-no-layer" << QStringList{} << QStringList{"Input"};
}

void TestPalette::searchFilters() {
  QFETCH(QString, text);
  QFETCH(QStringList, present);
  QFETCH(QStringList, absent);
  PaletteWidget palette;
  palette.setFilterText(text);
  const QStringList shown = palette.visibleTypes();
  for (const QString& t : present) QVERIFY2(shown.contains(t), qPrintable(t));
  for (const QString& t : absent) QVERIFY2(!shown.contains(t), qPrintable(t));
  if (present.isEmpty()) QVERIFY(shown.isEmpty());
  // Matching the summary too: every shown layer mentions the text in its name or summary.
  for (const QString& t : shown) {
    const LayerSpec* spec = LayerRegistry::instance().find(t.toStdString());
    const QString hay = QString::fromStdString(spec->type + " " + spec->summary + " " +
                                               spec->category);
    QVERIFY2(hay.contains(text, Qt::CaseInsensitive), qPrintable(t));
  }
  palette.setFilterText({});
  QCOMPARE(palette.visibleTypes().size(), int(LayerRegistry::instance().all().size()));
}

void TestPalette::tooltipIsTheLayerDoc() {
  LayerCatalogModel model;
  int checked = 0;
  for (int r = 0; r < model.rowCount(); ++r) {
    const QModelIndex group = model.index(r, 0);
    for (int c = 0; c < model.rowCount(group); ++c) {
      const QModelIndex index = model.index(c, 0, group);
      const LayerSpec* spec = LayerRegistry::instance().find(
          index.data(LayerCatalogModel::TypeRole).toString().toStdString());
      QVERIFY(spec);
      QVERIFY(!spec->doc.empty());
      const QString tip = index.data(Qt::ToolTipRole).toString();
      QVERIFY2(tip.contains(QString::fromStdString(spec->doc).toHtmlEscaped()),
               spec->type.c_str());
      QVERIFY(!index.data(Qt::DecorationRole).value<QIcon>().isNull());
      ++checked;
    }
  }
  QCOMPARE(checked, int(LayerRegistry::instance().all().size()));
}

void TestPalette::dragCarriesTheTypeName() {
  PaletteWidget palette;
  QVERIFY(palette.selectType(QStringLiteral("GRU")));
  const auto* proxy = qobject_cast<QSortFilterProxyModel*>(palette.tree()->model());
  QVERIFY(proxy);
  const QModelIndex source = proxy->mapToSource(palette.tree()->currentIndex());
  QVERIFY(palette.catalog()->flags(source) & Qt::ItemIsDragEnabled);
  std::unique_ptr<QMimeData> mime(palette.catalog()->mimeData({source}));
  QVERIFY(mime);
  QCOMPARE(QString::fromUtf8(mime->data(QString::fromLatin1(LayerCatalogModel::kMimeType))),
           QStringLiteral("GRU"));
  // Category rows are headings, not layers.
  const QModelIndex heading = palette.catalog()->index(0, 0);
  QVERIFY(!(palette.catalog()->flags(heading) & Qt::ItemIsDragEnabled));
}

void TestPalette::dropOnCanvasAddsTheLayer() {
  MainWindow window;
  window.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  PaletteWidget* palette = window.palette();
  QVERIFY(palette->selectType(QStringLiteral("LayerNorm")));
  const auto* proxy = qobject_cast<QSortFilterProxyModel*>(palette->tree()->model());
  std::unique_ptr<QMimeData> mime(
      palette->catalog()->mimeData({proxy->mapToSource(palette->tree()->currentIndex())}));
  QWidget* viewport = window.view()->viewport();
  const QPoint at = viewport->rect().center() + QPoint(0, 150);
  QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
  QApplication::sendEvent(viewport, &enter);
  QVERIFY(enter.isAccepted());
  const size_t before = window.model()->document().nodes.size();
  QDropEvent drop(QPointF(at), Qt::CopyAction, mime.get(), Qt::LeftButton, {});
  QApplication::sendEvent(viewport, &drop);
  QCOMPARE(window.model()->document().nodes.size(), before + 1);
  QCOMPARE(window.model()->document().nodes.back().type, std::string("LayerNorm"));
}

void TestPalette::docsPanelShowsPortsAndParams() {
  PaletteWidget palette;
  QVERIFY(palette.selectType(QStringLiteral("LSTM")));
  QCOMPARE(palette.docView()->layerType(), QStringLiteral("LSTM"));
  const QString text = palette.docView()->toPlainText();
  const LayerSpec* spec = LayerRegistry::instance().find("LSTM");
  for (const PortSpec& p : spec->inputs)
    QVERIFY2(text.contains(QString::fromStdString(p.name)), p.name.c_str());
  for (const ParamSpec& p : spec->params) {
    QVERIFY2(text.contains(QString::fromStdString(p.name)), p.name.c_str());
    QVERIFY2(text.contains(QString::fromStdString(p.help)), p.help.c_str());
  }
  QVERIFY(text.contains(QString::fromStdString(spec->doc).left(40)));
}

void TestPalette::doubleClickAddsAtCentre() {
  MainWindow window;
  window.resize(1400, 900);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  const size_t before = window.model()->document().nodes.size();
  PaletteWidget* palette = window.palette();
  QVERIFY(palette->selectType(QStringLiteral("Dropout")));
  QTreeView* tree = palette->tree();
  const QRect rect = tree->visualRect(tree->currentIndex());
  QVERIFY(!rect.isEmpty());
  // A real double-click: press, release, then the double-click event on the same row.
  QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
  QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
  QCOMPARE(window.model()->document().nodes.size(), before + 1);
  const GraphNode& added = window.model()->document().nodes.back();
  QCOMPARE(QString::fromStdString(added.type), QStringLiteral("Dropout"));
  NodeItem* item = window.scene()->nodeItem(added.id);
  QVERIFY(item);
  QVERIFY(item->isSelected());
  // Near the middle of what the view shows.
  const QPointF centre = window.view()->mapToScene(window.view()->viewport()->rect().center());
  QVERIFY(item->sceneBoundingRect().adjusted(-20, -20, 20, 20).contains(centre));
  window.model()->undoStack()->undo();
  QCOMPARE(window.model()->document().nodes.size(), before);
  window.model()->undoStack()->setClean();
}

void TestPalette::wireDroppedOnEmptyCanvasOffersFittingLayers() {
  MainWindow window;
  window.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
  const Endpoint tokens{"tokens", "out"};  // int64 token ids
  emit window.scene()->requestNodeAt(QPointF(100, 400), tokens, true);
  auto* popup = window.findChild<LayerPickerPopup*>();
  QVERIFY(popup);
  QVERIFY(popup->isVisible());
  const QStringList offered = popup->visibleTypes();
  QVERIFY2(offered.contains(QStringLiteral("Embedding")), qPrintable(offered.join(',')));
  QVERIFY2(!offered.contains(QStringLiteral("LSTM")), qPrintable(offered.join(',')));
  popup->setFilterText(QStringLiteral("Embedding"));
  const size_t edges = window.model()->document().edges.size();
  QTest::keyClick(popup->list(), Qt::Key_Return);
  const GraphNode& added = window.model()->document().nodes.back();
  QCOMPARE(QString::fromStdString(added.type), QStringLiteral("Embedding"));
  QCOMPARE(window.model()->document().edges.size(), edges + 1);
  QCOMPARE(window.model()->document().edges.back().from, tokens);
  QCOMPARE(window.scene()->selectedNodeIds(), std::vector<std::string>{added.id});
}

void TestPalette::pickerListsLayersAcceptingTheWire_data() {
  QTest::addColumn<int>("kind");
  QTest::addColumn<QString>("accepted");
  QTest::addColumn<QString>("refused");
  QTest::newRow("tokens") << int(ValueKind::Int64) << "Embedding" << "LSTM";
  QTest::newRow("features") << int(ValueKind::Float) << "LSTM" << "Embedding";
}

void TestPalette::pickerListsLayersAcceptingTheWire() {
  QFETCH(int, kind);
  QFETCH(QString, accepted);
  QFETCH(QString, refused);
  auto* popup = new LayerPickerPopup(GraphModel::typesAcceptingKind(ValueKind(kind)));
  const QStringList types = popup->visibleTypes();
  QVERIFY2(types.contains(accepted), qPrintable(types.join(',')));
  QVERIFY2(!types.contains(refused), qPrintable(types.join(',')));
  QVERIFY(!types.contains(QStringLiteral("Input")));  // nothing flows into an Input
  popup->setFilterText(accepted.left(3));
  QVERIFY(popup->visibleTypes().contains(accepted));
  QSignalSpy chosen(popup, &LayerPickerPopup::layerChosen);
  popup->popup(QPoint(100, 100));
  popup->setAttribute(Qt::WA_DeleteOnClose, false);
  QTest::keyClick(popup->list(), Qt::Key_Return);
  QCOMPARE(chosen.count(), 1);
  QVERIFY(popup->visibleTypes().contains(chosen.first().at(0).toString()));
  QVERIFY(popup->isHidden());
  delete popup;
}

QTEST_MAIN(TestPalette)
#include "tst_palette.moc"
