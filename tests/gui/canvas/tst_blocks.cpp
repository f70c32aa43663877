// Blocks on the canvas: grouping a selection (Ctrl+G), the frame around the members, Repeat xN
// from the inspector (copies in the analysis, shapes on the edges), collapsing to one card with
// the block's outer ports (members and inner wires hidden, outer wires re-attached), dragging the
// collapsed card (one undo step), wiring from a collapsed block's port, copy/paste and delete of
// a block, save/load, and undo/redo of the whole script back to the exact JSON.
#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <memory>

#include "panels/blockinspector.h"
#include "canvas/blockitem.h"
#include "canvasfixture.h"
#include "canvas/canvastheme.h"
#include "canvas/edgeitem.h"
#include "window/editoractions.h"
#include "graph/analysis.h"
#include "document/grapheditor.h"
#include "document/graphfragment.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "guitestenv.h"
#include "panels/inspectorwidget.h"
#include "window/mainwindow.h"
#include "document/movenodescommand.h"
#include "canvas/nodeitem.h"

using namespace strata;
using namespace strata::gui;

namespace {

using test::Canvas;
using test::sample;
using test::saveShot;

QRectF cardsRect(const Canvas& c, const std::vector<std::string>& ids) {
  QRectF r;
  for (const std::string& id : ids) {
    NodeItem* n = c.scene->nodeItem(id);
    r |= n->mapRectToScene(n->cardRect());
  }
  return r;
}

}  // namespace

class TestBlocks final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void groupRepeatCollapseAndUndo();
  void refusalsAndUngroup();
  void dragCollapsedBlockMovesMembers();
  void wireFromCollapsedPort();
  void copyPasteAndDeleteBlock();
  void saveLoadRoundTrip();
  void sampleWithRepeatBlock();
  void mainWindowInspectsBlock();
  void rightClickMenu();
  void autoLayoutMovesCollapsedBlockAsOneCard();
};

void TestBlocks::groupRepeatCollapseAndUndo() {
  Canvas c(sample("mlp-sine.strata"));
  const std::string original = c.text();
  EditorActions actions(c.scene.get());
  QUndoStack* stack = c.model.undoStack();
  const int base = stack->count();

  // Group fc1 and act (Ctrl+G): one block, a frame around both cards.
  c.scene->selectNodes({"fc1", "act"});
  QVERIFY(actions.group()->isEnabled());
  actions.group()->trigger();
  QCOMPARE(c.model.document().blocks.size(), size_t(1));
  const GraphBlock block = c.model.document().blocks.front();
  QCOMPARE(block.nodes, (std::vector<std::string>{"fc1", "act"}));
  BlockItem* item = c.scene->blockItem(block.id);
  QVERIFY(item);
  QVERIFY(item->isSelected());
  QVERIFY(item->sceneBoundingRect().contains(cardsRect(c, {"fc1", "act"})));
  QCOMPARE(stack->count(), base + 1);

  // Repeat x3 from the inspector: three copies, each with its own weights.
  InspectorWidget inspector(c.scene->editor());
  inspector.setBlockId(block.id);
  inspector.blockPage()->repeatBox()->setValue(3);
  QCOMPARE(c.model.document().block(block.id)->repeat, 3);
  const GraphAnalysis& a = c.model.analysis();
  QVERIFY2(a.ok(), a.ok() ? "" : a.diagnostics.front().message.c_str());
  QCOMPARE(a.copies.at("fc1").size(), size_t(3));
  QCOMPARE(a.nodes.at(block.id + ".0.fc1").params["in_features"].get<int>(), 32);
  QCOMPARE(a.nodes.at(block.id + ".1.fc1").params["in_features"].get<int>(), 64);
  QVERIFY(inspector.blockPage()->summaryText().contains(QStringLiteral("Carried: act.out")));
  EdgeItem* leaving = c.scene->edgeItem({{"act", "out"}, {"fc2", "in"}});
  QVERIFY(leaving);
  QCOMPARE(leaving->label(), QStringLiteral("[B, 64]"));
  QCOMPARE(c.scene->nodeItem("fc1")->content().parameterCount, int64_t(32 * 64 + 64));

  // Collapse by clicking the chevron: one card, members and the inner wire hidden, the outer
  // wires on the card's ports.
  const QPointF chevron = item->mapToScene(item->toggleRect().center());
  QTest::mouseClick(c.vp(), Qt::LeftButton, {}, c.at(chevron));
  QVERIFY(c.model.document().block(block.id)->collapsed);
  QVERIFY(!c.scene->nodeItem("fc1")->isVisible());
  QVERIFY(!c.scene->nodeItem("act")->isVisible());
  QVERIFY(!c.scene->edgeItem({{"fc1", "out"}, {"act", "in"}})->isVisible());
  EdgeItem* entering = c.scene->edgeItem({{"window", "out"}, {"fc1", "in"}});
  QVERIFY(entering->isVisible());
  const std::optional<QPointF> port = item->portPos({"fc1", "in"}, false);
  QVERIFY(port);
  QVERIFY(entering->boundingRect().contains(entering->mapFromScene(*port)));
  QCOMPARE(item->content().inputs.size(), size_t(1));
  QCOMPARE(item->content().outputs.size(), size_t(1));
  QVERIFY(item->content().inputs.front().carried);
  QCOMPARE(item->content().parameterCount,
           int64_t((32 * 64 + 64) + 2 * (64 * 64 + 64)));
  saveShot(c.view.get(), QStringLiteral("block-collapsed.png"));

  // Double-click expands in place.
  QTest::mouseDClick(c.vp(), Qt::LeftButton, {}, c.at(item->sceneBoundingRect().center()));
  QVERIFY(!c.model.document().block(block.id)->collapsed);
  QVERIFY(c.scene->nodeItem("fc1")->isVisible());
  saveShot(c.view.get(), QStringLiteral("block-expanded.png"));

  // Every step undoes back to the original file and redoes to the edited one, byte for byte.
  const std::string edited = c.text();
  QVERIFY(stack->count() >= base + 4);
  while (stack->canUndo()) stack->undo();
  QCOMPARE(c.text(), original);
  QVERIFY(c.scene->blockItem(block.id) == nullptr);
  while (stack->canRedo()) stack->redo();
  QCOMPARE(c.text(), edited);
  QVERIFY(c.scene->blockItem(block.id));
}

void TestBlocks::refusalsAndUngroup() {
  Canvas c(sample("mlp-sine.strata"));
  EditorActions actions(c.scene.get());
  QSignalSpy refused(c.scene.get(), &GraphScene::editRefused);
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  // fc1 is in a block already: grouping it again is refused with the reason.
  c.scene->selectNodes({"fc1", "fc2"});
  c.scene->groupSelection();
  QCOMPARE(refused.count(), 1);
  QVERIFY(refused.at(0).at(0).toString().contains(QStringLiteral("already in block")));
  QCOMPARE(c.model.document().blocks.size(), size_t(1));
  // A Repeat block holding the loss cannot repeat: the block says why, nothing crashes.
  c.scene->selectNodes({"fc2", "loss"});
  c.scene->groupSelection();
  const std::string lossBlock = c.model.document().blocks.at(1).id;
  QVERIFY(c.scene->editor()->setBlockRepeat(lossBlock, 2));
  QVERIFY(!c.model.analysis().ok());
  QVERIFY(c.scene->blockItem(lossBlock)->content().error.contains(QStringLiteral("MSELoss")));
  // Ungroup the block of a selected member.
  c.scene->selectNodes({"act"});
  QVERIFY(actions.ungroup()->isEnabled());
  actions.ungroup()->trigger();
  QVERIFY(!c.model.document().block(id));
  QVERIFY(c.model.document().node("act"));
}

void TestBlocks::dragCollapsedBlockMovesMembers() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  QVERIFY(c.scene->editor()->setBlockCollapsed(id, true));
  BlockItem* item = c.scene->blockItem(id);
  const QPointF fc1 = c.scene->nodeItem("fc1")->pos();
  const QPointF act = c.scene->nodeItem("act")->pos();
  const int before = c.model.undoStack()->count();
  const QPointF grip = item->mapToScene(QPointF(40, 30));
  c.drag(c.at(grip), c.at(grip + QPointF(120, 80)));
  QCOMPARE(c.model.undoStack()->count(), before + 1);
  const GraphNode* n = c.model.document().node("fc1");
  QCOMPARE(QPointF(n->x, n->y), fc1 + QPointF(120, 80));
  n = c.model.document().node("act");
  QCOMPARE(QPointF(n->x, n->y), act + QPointF(120, 80));
  QCOMPARE(item->pos(), c.scene->nodeItem("fc1")->pos());
  c.model.undoStack()->undo();
  QCOMPARE(c.scene->nodeItem("fc1")->pos(), fc1);
}

void TestBlocks::wireFromCollapsedPort() {
  // Pick up the wire entering a collapsed block by its input end and drop it on empty canvas:
  // the edge is removed, as with any card.
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  QVERIFY(c.scene->editor()->setBlockCollapsed(id, true));
  const QPointF port = *c.scene->blockItem(id)->portPos({"fc1", "in"}, false);
  c.drag(c.at(port), c.at(port + QPointF(-60, 260)));
  QCOMPARE(c.model.edgeIndex({{"window", "out"}, {"fc1", "in"}}), -1);
  // A wire from window.out dropped on the collapsed card connects to the first member port
  // that fits (fc1.in, free again).
  BlockItem* block = c.scene->blockItem(id);
  const QPointF from = c.scene->nodeItem("window")->outputPortPos("out");
  c.drag(c.at(from), c.at(block->mapToScene(block->cardRect().center())));
  QVERIFY(c.model.edgeIndex({{"window", "out"}, {"fc1", "in"}}) >= 0);
  c.model.undoStack()->undo();
  c.model.undoStack()->undo();
  QVERIFY(c.model.edgeIndex({{"window", "out"}, {"fc1", "in"}}) >= 0);
}

void TestBlocks::copyPasteAndDeleteBlock() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  c.scene->editor()->setBlockRepeat(id, 2);
  const std::string before = c.text();
  // The block is selected after grouping: duplicate copies it with its members.
  QCOMPARE(c.scene->selectedBlockIds(), std::vector<std::string>{id});
  c.scene->duplicateSelection();
  QCOMPARE(c.model.document().blocks.size(), size_t(2));
  const GraphBlock& copy = c.model.document().blocks.at(1);
  QVERIFY(copy.id != id);
  QCOMPARE(copy.repeat, 2);
  QCOMPARE(copy.nodes.size(), size_t(2));
  for (const std::string& n : copy.nodes) QVERIFY(c.model.document().node(n));
  c.model.undoStack()->undo();
  QCOMPARE(c.text(), before);

  // A pasted node never takes a block's id (the file would not load again).
  GraphDocument fragment;
  fragment.nodes.push_back(GraphNode{id, "Tanh", Json::object(), 0, 0});
  const GraphDocument prepared = GraphFragment::preparePaste(fragment, c.model.document(), {});
  QVERIFY(prepared.nodes.at(0).id != id);

  // Deleting the selected block deletes its members; undo restores them in the block.
  c.scene->clearSelection();
  c.scene->blockItem(id)->setSelected(true);
  c.scene->deleteSelection();
  QVERIFY(!c.model.document().node("fc1"));
  QVERIFY(c.model.document().blocks.empty());
  c.model.undoStack()->undo();
  QCOMPARE(c.text(), before);
}

void TestBlocks::saveLoadRoundTrip() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  c.scene->editor()->renameBlock(id, "Hidden");
  c.scene->editor()->setBlockRepeat(id, 4);
  c.scene->editor()->setBlockCollapsed(id, true);
  QTemporaryDir dir;
  const QString path = dir.filePath(QStringLiteral("blocks.strata"));
  QVERIFY(c.model.document().save(path.toStdString()).isOk());
  GraphModel reopened;
  QVERIFY(reopened.loadFile(path).isOk());
  QCOMPARE(reopened.document().serialize(), c.text());
  QCOMPARE(reopened.document().blocks.at(0).name, std::string("Hidden"));
  GraphScene scene(&reopened);
  QVERIFY(scene.blockItem(id)->content().collapsed);
  QVERIFY(!scene.nodeItem("act")->isVisible());
}

void TestBlocks::sampleWithRepeatBlock() {
  // tiny-gpt stacks its Transformer layer with a Repeat block: the template card shows copy 0,
  // the frame names the block, and the status numbers count both copies.
  Canvas c(sample("tiny-gpt.strata"));
  QVERIFY(c.model.analysis().ok());
  BlockItem* item = c.scene->blockItem("layers");
  QVERIFY(item);
  QCOMPARE(item->content().repeat, 2);
  QCOMPARE(item->content().parameterCount,
           2 * c.model.analysis().find("layer")->parameterCount);
  saveShot(c.view.get(), QStringLiteral("tiny-gpt-block.png"));
  // A small graph keeps its text when fitted into the window (40-50 %).
  QCOMPARE(c.scene->theme().detailZoom, CanvasTheme::kSmallGraphDetailZoom);
}

void TestBlocks::mainWindowInspectsBlock() {
  // Selecting the block shows its page in the inspector; Repeat there is one undo step, and the
  // status bar counts the new copy's parameters.
  MainWindow window;
  window.resize(1400, 860);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(sample("tiny-gpt.strata")));
  const int64_t two = window.model()->analysis().totalParameters;
  const int64_t layer = window.model()->analysis().find("layer")->parameterCount;
  window.scene()->clearSelection();
  window.scene()->blockItem("layers")->setSelected(true);
  BlockInspector* page = window.inspector()->blockPage();
  QVERIFY(page->isVisible());
  QCOMPARE(page->blockId(), std::string("layers"));
  QCOMPARE(page->repeatBox()->value(), 2);
  QVERIFY(page->summaryText().contains(QStringLiteral("layers.0.layer.*")));
  page->repeatBox()->setValue(3);
  QCOMPARE(window.model()->analysis().totalParameters, two + layer);
  QVERIFY(window.model()->undoStack()->canUndo());
  window.view()->resetZoom();
  window.view()->zoomOut();
  window.view()->centerOn(window.scene()->blockItem("layers")->sceneBoundingRect().center());
  QTest::qWait(50);
  saveShot(&window, QStringLiteral("mainwindow-block-inspector.png"));
  window.model()->undoStack()->undo();
  QCOMPARE(page->repeatBox()->value(), 2);
  QCOMPARE(window.model()->analysis().totalParameters, two);
  // The id names the copies' weights: a bad id is refused with the reason, a good one renames
  // the block (one undo step) and the block stays selected and inspected.
  page->idEdit()->setText(QStringLiteral("2nd"));
  emit page->idEdit()->editingFinished();
  QVERIFY(page->idError().contains(QStringLiteral("letters")));
  QVERIFY(window.model()->document().block("layers"));
  page->idEdit()->setText(QStringLiteral("stack"));
  emit page->idEdit()->editingFinished();
  QVERIFY(page->idError().isEmpty());
  QVERIFY(window.model()->document().block("stack"));
  QVERIFY(window.scene()->blockItem("stack")->isSelected());
  QCOMPARE(page->blockId(), std::string("stack"));
  QVERIFY(window.model()->analysis().nodes.count("stack.1.layer"));
  window.model()->undoStack()->undo();
  QVERIFY(window.model()->document().block("layers"));
  // A member node's page says the block's copies share its params.
  window.scene()->selectNodes({"layer"});
  QVERIFY(window.inspector()->summaryText().contains(QStringLiteral("Repeat block")));
}

void TestBlocks::rightClickMenu() {
  // A right click on a card selects it and opens the edit menu there, block actions included.
  MainWindow window;
  window.resize(1400, 860);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QVERIFY(window.openFile(sample("mlp-sine.strata")));
  window.view()->resetTransform();
  window.view()->centerOn(window.scene()->nodeItem("act")->sceneBoundingRect().center());
  window.scene()->selectNodes({"fc1"});
  NodeItem* act = window.scene()->nodeItem("act");
  const QPoint pos = window.view()->mapFromScene(act->mapToScene(act->cardRect().center()));
  QContextMenuEvent event(QContextMenuEvent::Mouse, pos,
                          window.view()->viewport()->mapToGlobal(pos));
  QApplication::sendEvent(window.view()->viewport(), &event);
  QCOMPARE(window.scene()->selectedNodeIds(), std::vector<std::string>{"act"});
  QMenu* menu = window.canvasMenu();
  QTRY_VERIFY(menu->isVisible());
  QAction* group = nullptr;
  for (QAction* a : menu->actions())
    if (a->objectName() == QLatin1String("groupBlock")) group = a;
  QVERIFY(group && group->isEnabled());
  group->trigger();
  menu->close();
  QCOMPARE(window.model()->document().blocks.size(), size_t(1));
  QCOMPARE(window.model()->document().blocks.front().nodes, std::vector<std::string>{"act"});
}

void TestBlocks::autoLayoutMovesCollapsedBlockAsOneCard() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->groupSelection();
  const std::string id = c.model.document().blocks.at(0).id;
  QVERIFY(c.scene->editor()->setBlockCollapsed(id, true));
  // Pile everything up, then lay out the whole graph.
  std::vector<MoveNodesCommand::Move> moves;
  for (const GraphNode& n : c.model.document().nodes)
    moves.push_back({n.id, {n.x, n.y}, {n.x * 0.1, n.y * 0.1 + (n.id == "act" ? 40 : 0)}});
  QVERIFY(c.scene->editor()->moveNodes(moves));
  const QPointF offset = c.scene->nodeItem("act")->pos() - c.scene->nodeItem("fc1")->pos();
  c.scene->autoLayoutAll();
  // The members kept their arrangement; the card overlaps no visible card.
  QCOMPARE(c.scene->nodeItem("act")->pos() - c.scene->nodeItem("fc1")->pos(), offset);
  const QRectF card = c.scene->blockItem(id)->sceneBoundingRect();
  for (NodeItem* n : c.scene->nodeItems())
    if (n->isVisible())
      QVERIFY2(!card.intersects(n->mapRectToScene(n->cardRect())), n->id().c_str());
  // Left to right: window, the block, fc2.
  QVERIFY(c.scene->nodeItem("window")->pos().x() < card.left());
  QVERIFY(card.right() < c.scene->nodeItem("fc2")->pos().x());
}

QTEST_MAIN(TestBlocks)
#include "tst_blocks.moc"
