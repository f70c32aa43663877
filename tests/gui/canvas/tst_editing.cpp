// Canvas gestures driven by simulated mouse and keyboard input on an offscreen view: wiring port
// to port, refused connections with the engine's reason, picking up an edge by its input end,
// palette drops, dragging cards (one undo step), selection, delete, copy/paste and auto-layout.
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QMimeData>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>
#include <QWheelEvent>

#include <memory>

#include "document/autolayout.h"
#include "canvasfixture.h"
#include "canvas/canvashintitem.h"
#include "canvas/edgeitem.h"
#include "canvas/edgelabelitem.h"
#include "window/editoractions.h"
#include "graph/analysis.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "guitestenv.h"
#include "canvas/nodeitem.h"
#include "canvas/wireitem.h"

using namespace strata;
using namespace strata::gui;

namespace {

using test::Canvas;
using test::sample;
using test::saveShot;

}  // namespace

class TestEditing final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void dragPortToPortConnects();
  void invalidConnectionIsRefused_data();
  void invalidConnectionIsRefused();
  void dropOnCardPicksFittingPort();
  void pickUpInputEndDisconnects();
  void pickUpInputEndReconnects();
  void wireOnEmptyCanvasRequestsNode();
  void paletteDropCreatesNode();
  void addNodeAtCenter();
  void idStems_data();
  void idStems();
  void dragMoveIsOneUndoStep();
  void multiSelectDragMovesAll();
  void rubberBandSelects();
  void deleteKeyRemovesSelection();
  void copyPasteKeepsInternalEdges();
  void cutThenPaste();
  void duplicateAndSelectAll();
  void autoLayoutLayersLeftToRight();
  void autoLayoutReducesCrossings();
  void spaceDragPans();
  void wheelZoomRescalesThenSettles();
  void editorActionsFollowSelection();
};

void TestEditing::dragPortToPortConnects() {
  Canvas c(sample("mlp-sine.strata"));
  const GraphEdge edge{{"act", "out"}, {"fc2", "in"}};
  QVERIFY(c.scene->editor()->disconnectEdge(edge));
  QVERIFY(!c.hasEdge(edge));
  const int steps = c.model.undoStack()->index();

  const QPoint from = c.at(c.out("act", "out"));
  const QPoint to = c.at(c.in("fc2", "in"));
  QTest::mousePress(c.vp(), Qt::LeftButton, {}, from);
  QTest::mouseMove(c.vp(), from + QPoint(60, 80));
  QVERIFY(c.scene->wireItem());
  QCOMPARE(c.scene->wireItem()->state(), WireItem::State::Open);
  saveShot(c.view.get(), QStringLiteral("editing-wire-drag.png"));
  QTest::mouseMove(c.vp(), to);
  QCOMPARE(c.scene->wireItem()->state(), WireItem::State::Valid);
  QTest::mouseRelease(c.vp(), Qt::LeftButton, {}, to);

  QVERIFY(!c.scene->wireItem());
  QVERIFY(c.hasEdge(edge));
  QVERIFY(c.scene->edgeItem(edge));
  QCOMPARE(c.model.undoStack()->index(), steps + 1);
  QCOMPARE(c.scene->edgeItem(edge)->labelItem()->text(), QStringLiteral("[B, 64]"));
  c.model.undoStack()->undo();
  QVERIFY(!c.hasEdge(edge));
}

void TestEditing::invalidConnectionIsRefused_data() {
  QTest::addColumn<QString>("fromNode");
  QTest::addColumn<QString>("fromPort");
  QTest::addColumn<bool>("fromOutput");
  QTest::addColumn<QString>("toNode");
  QTest::addColumn<QString>("toPort");
  QTest::addColumn<bool>("toOutput");
  QTest::addColumn<QString>("keyword");
  // mlp-sine with fc1.out -> act.in removed, plus an Embedding "embedding" (int64 input).
  QTest::newRow("kind mismatch") << "window" << "out" << true << "embedding" << "in" << false
                                 << "takes";
  QTest::newRow("cycle") << "fc2" << "out" << true << "act" << "in" << false << "cycle";
  QTest::newRow("occupied input") << "window" << "out" << true << "fc2" << "in" << false
                                  << "already connected";
  QTest::newRow("output to output") << "window" << "out" << true << "fc1" << "out" << true
                                    << "output port";
  QTest::newRow("input to input") << "act" << "in" << false << "embedding" << "in" << false
                                  << "input port";
  QTest::newRow("data-fed target") << "window" << "out" << true << "loss" << "target" << false
                                   << "data set";
}

void TestEditing::invalidConnectionIsRefused() {
  QFETCH(QString, fromNode);
  QFETCH(QString, fromPort);
  QFETCH(bool, fromOutput);
  QFETCH(QString, toNode);
  QFETCH(QString, toPort);
  QFETCH(bool, toOutput);
  QFETCH(QString, keyword);
  Canvas c(sample("mlp-sine.strata"));
  QVERIFY(c.scene->editor()->disconnectEdge({{"fc1", "out"}, {"act", "in"}}));
  QVERIFY(!c.scene->editor()->addNode("Embedding", {300, 260},
                                      Json{{"num_embeddings", 10}, {"embedding_dim", 4}})
               .empty());
  const std::string before = c.text();
  const int steps = c.model.undoStack()->index();
  NodeItem* a = c.scene->nodeItem(fromNode.toStdString());
  NodeItem* b = c.scene->nodeItem(toNode.toStdString());
  QVERIFY(a && b);
  const QPointF pa = fromOutput ? a->outputPortPos(fromPort.toStdString())
                                : a->inputPortPos(fromPort.toStdString());
  const QPointF pb = toOutput ? b->outputPortPos(toPort.toStdString())
                              : b->inputPortPos(toPort.toStdString());
  // The reason the engine gives for the edge this gesture asks for.
  const Endpoint ea{fromNode.toStdString(), fromPort.toStdString()};
  const Endpoint eb{toNode.toStdString(), toPort.toStdString()};
  const GraphEdge asked = fromOutput ? GraphEdge{ea, eb} : GraphEdge{eb, ea};
  const QString expected = QString::fromStdString(canConnect(c.model.document(), asked));
  QVERIFY2(expected.contains(keyword), qPrintable(expected));

  QSignalSpy refused(c.scene.get(), &GraphScene::connectionRefused);
  QTest::mousePress(c.vp(), Qt::LeftButton, {}, c.at(pa));
  QTest::mouseMove(c.vp(), c.at(pa) + QPoint(20, 20));
  QTest::mouseMove(c.vp(), c.at(pb));
  QCOMPARE(c.scene->wireItem()->state(), WireItem::State::Invalid);
  QTest::mouseRelease(c.vp(), Qt::LeftButton, {}, c.at(pb));

  QCOMPARE(refused.count(), 1);
  QCOMPARE(refused.at(0).at(0).toString(), expected);
  QCOMPARE(c.scene->lastRefusal(), expected);
  QVERIFY(c.scene->hintItem()->isVisible());
  QCOMPARE(c.scene->hintItem()->text(), expected);
  QCOMPARE(c.text(), before);
  QCOMPARE(c.model.undoStack()->index(), steps);
  if (QByteArray(QTest::currentDataTag()) == "kind mismatch")
    saveShot(c.view.get(), QStringLiteral("editing-refused.png"));
}

void TestEditing::dropOnCardPicksFittingPort() {
  Canvas c(sample("mlp-sine.strata"));
  const GraphEdge edge{{"act", "out"}, {"fc2", "in"}};
  QVERIFY(c.scene->editor()->disconnectEdge(edge));
  // Released over the middle of fc2's card, not on its port.
  const QPointF body = c.scene->nodeItem("fc2")->mapToScene(
      c.scene->nodeItem("fc2")->cardRect().center());
  c.drag(c.at(c.out("act", "out")), c.at(body));
  QVERIFY(c.hasEdge(edge));
}

void TestEditing::pickUpInputEndDisconnects() {
  Canvas c(sample("mlp-sine.strata"));
  const GraphEdge edge{{"fc1", "out"}, {"act", "in"}};
  const std::string before = c.text();
  const QPoint from = c.at(c.in("act", "in"));
  QTest::mousePress(c.vp(), Qt::LeftButton, {}, from);
  QTest::mouseMove(c.vp(), from + QPoint(-30, 150));
  QVERIFY(c.scene->wireItem());
  QVERIFY(!c.scene->edgeItem(edge)->isVisible());  // the wire stands in for it
  QTest::mouseMove(c.vp(), from + QPoint(-40, 300));
  QTest::mouseRelease(c.vp(), Qt::LeftButton, {}, from + QPoint(-40, 300));
  QVERIFY(!c.hasEdge(edge));
  QCOMPARE(c.model.undoStack()->index(), 1);
  c.model.undoStack()->undo();
  QCOMPARE(c.text(), before);
  QVERIFY(c.scene->edgeItem(edge)->isVisible());
}

void TestEditing::pickUpInputEndReconnects() {
  Canvas c(sample("mlp-sine.strata"));
  const GraphEdge old{{"fc2", "out"}, {"prediction", "in"}};
  const GraphEdge now{{"fc2", "out"}, {"tanh", "in"}};
  QVERIFY(c.scene->editor()->addNode("Tanh", {1100, 200}) == "tanh");
  c.drag(c.at(c.in("prediction", "in")), c.at(c.in("tanh", "in")));
  QVERIFY(!c.hasEdge(old));
  QVERIFY(c.hasEdge(now));
  c.model.undoStack()->undo();  // one step
  QVERIFY(c.hasEdge(old));
  QVERIFY(!c.hasEdge(now));
}

void TestEditing::wireOnEmptyCanvasRequestsNode() {
  Canvas c(sample("mlp-sine.strata"));
  QSignalSpy requested(c.scene.get(), &GraphScene::requestNodeAt);
  const QPoint from = c.at(c.out("fc2", "out"));
  const QPoint to = from + QPoint(60, 260);
  const std::string before = c.text();
  c.drag(from, to);
  QCOMPARE(requested.count(), 1);
  QCOMPARE(requested.at(0).at(0).toPointF(), c.view->mapToScene(to));
  const auto end = requested.at(0).at(1).value<Endpoint>();
  QCOMPARE(end.toString(), std::string("fc2.out"));
  QVERIFY(requested.at(0).at(2).toBool());
  QCOMPARE(c.text(), before);
  // What the palette would offer, and what picking "Linear" does.
  const QStringList fitting = c.model.typesFitting(end, true);
  QVERIFY(fitting.contains("Linear"));
  QVERIFY(!fitting.contains("Embedding"));  // wants int64 tokens
  QVERIFY(!fitting.contains("Input"));      // no input port at all
  const std::string id =
      c.scene->editor()->addNodeConnected("Linear", c.view->mapToScene(to), end, true);
  QCOMPARE(id, std::string("linear"));
  QVERIFY(c.hasEdge({{"fc2", "out"}, {"linear", "in"}}));
  QCOMPARE(c.model.undoStack()->index(), 1);
}

void TestEditing::paletteDropCreatesNode() {
  Canvas c(sample("mlp-sine.strata"));
  const size_t nodes = c.model.document().nodes.size();
  for (const char* expectedId : {"linear", "linear2"}) {
    const QPoint drop = QPoint(300, 500) + QPoint(std::string(expectedId).size() * 20, 0);
    QMimeData mime;
    mime.setData(QString::fromLatin1(GraphView::kLayerMimeType), "Linear");
    QDragEnterEvent enter(drop, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.vp(), &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(drop, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.vp(), &move);
    QVERIFY(move.isAccepted());
    QDropEvent dropEvent(QPointF(drop), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(c.vp(), &dropEvent);
    QVERIFY(dropEvent.isAccepted());

    const GraphNode* node = c.model.document().node(expectedId);
    QVERIFY2(node, expectedId);
    QCOMPARE(node->type, std::string("Linear"));
    const QPointF dropScene = c.view->mapToScene(drop);
    QCOMPARE(QPointF(node->x, node->y), GraphView::nodePosForDrop(dropScene));
    NodeItem* item = c.scene->nodeItem(expectedId);
    QVERIFY(item->isSelected());
    const QRectF header = item->mapRectToScene(
        QRectF(0, 0, item->cardRect().width(), NodeItem::kHeaderHeight));
    QVERIFY(header.contains(dropScene));
  }
  QCOMPARE(c.model.document().nodes.size(), nodes + 2);
  c.model.undoStack()->undo();
  QVERIFY(!c.model.document().node("linear2"));
  // An unknown type is not accepted and adds nothing.
  QMimeData bad;
  bad.setData(QString::fromLatin1(GraphView::kLayerMimeType), "NoSuchLayer");
  QDropEvent dropBad(QPointF(200, 200), Qt::CopyAction, &bad, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(c.vp(), &dropBad);
  QCOMPARE(c.model.document().nodes.size(), nodes + 1);
}

void TestEditing::addNodeAtCenter() {
  Canvas c(sample("mlp-sine.strata"));
  QCOMPARE(c.view->addNodeAtCenter("LSTM"), QStringLiteral("lstm"));
  QCOMPARE(c.view->addNodeAtCenter("LSTM"), QStringLiteral("lstm2"));
  const GraphNode* a = c.model.document().node("lstm");
  const GraphNode* b = c.model.document().node("lstm2");
  QVERIFY(QPointF(a->x, a->y) != QPointF(b->x, b->y));  // not stacked
  QVERIFY(c.view->mapToScene(c.vp()->rect()).boundingRect().contains(QPointF(a->x, a->y)));
  QVERIFY(c.view->addNodeAtCenter("NoSuchLayer").isEmpty());
}

void TestEditing::idStems_data() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<QString>("stem");
  QTest::newRow("Linear") << "Linear" << "linear";
  QTest::newRow("LSTM") << "LSTM" << "lstm";
  QTest::newRow("MultiheadAttention") << "MultiheadAttention" << "multihead_attention";
  QTest::newRow("TransformerEncoderLayer") << "TransformerEncoderLayer"
                                           << "transformer_encoder_layer";
  QTest::newRow("MSELoss") << "MSELoss" << "mseloss";
}

void TestEditing::idStems() {
  QFETCH(QString, type);
  QFETCH(QString, stem);
  QCOMPARE(QString::fromStdString(GraphModel::idStemForType(type.toStdString())), stem);
}

void TestEditing::dragMoveIsOneUndoStep() {
  Canvas c(sample("mlp-sine.strata"));
  NodeItem* fc1 = c.scene->nodeItem("fc1");
  const QPointF start = fc1->pos();
  const std::string before = c.text();
  const QPoint grab = c.at(fc1->mapToScene(QPointF(fc1->cardRect().width() / 2, 12)));
  QTest::mousePress(c.vp(), Qt::LeftButton, {}, grab);
  for (int i = 1; i <= 10; ++i) QTest::mouseMove(c.vp(), grab + QPoint(12 * i, 7 * i));
  // Edges follow the card while it is dragged, before the document changes.
  const GraphEdge in{{"window", "out"}, {"fc1", "in"}};
  QCOMPARE(c.scene->edgeItem(in)->boundingRect().contains(fc1->inputPortPos("in")), true);
  QCOMPARE(c.model.document().node("fc1")->x, start.x());
  QTest::mouseRelease(c.vp(), Qt::LeftButton, {}, grab + QPoint(120, 70));

  QCOMPARE(fc1->pos(), start + QPointF(120, 70));
  QCOMPARE(QPointF(c.model.document().node("fc1")->x, c.model.document().node("fc1")->y),
           start + QPointF(120, 70));
  QCOMPARE(c.model.undoStack()->count(), 1);
  c.model.undoStack()->undo();
  QCOMPARE(fc1->pos(), start);
  QCOMPARE(c.text(), before);
  c.model.undoStack()->redo();
  QCOMPARE(fc1->pos(), start + QPointF(120, 70));
}

void TestEditing::multiSelectDragMovesAll() {
  Canvas c(sample("mlp-sine.strata"));
  NodeItem* fc1 = c.scene->nodeItem("fc1");
  NodeItem* act = c.scene->nodeItem("act");
  const QPointF p1 = fc1->pos(), p2 = act->pos();
  auto header = [&](NodeItem* n) { return c.at(n->mapToScene(QPointF(40, 12))); };
  QTest::mouseClick(c.vp(), Qt::LeftButton, {}, header(fc1));
  QTest::mouseClick(c.vp(), Qt::LeftButton, Qt::ControlModifier, header(act));
  QCOMPARE(c.scene->selectedNodeIds(), (std::vector<std::string>{"fc1", "act"}));
  c.drag(header(act), header(act) + QPoint(0, 90));
  QCOMPARE(fc1->pos(), p1 + QPointF(0, 90));
  QCOMPARE(act->pos(), p2 + QPointF(0, 90));
  QCOMPARE(c.model.undoStack()->count(), 1);
  c.model.undoStack()->undo();
  QCOMPARE(fc1->pos(), p1);
  QCOMPARE(act->pos(), p2);
}

void TestEditing::rubberBandSelects() {
  Canvas c(sample("mlp-sine.strata"));
  QRectF band = c.scene->nodeItem("fc1")->sceneBoundingRect() |
                c.scene->nodeItem("act")->sceneBoundingRect();
  band.adjust(-20, -20, 20, 20);
  c.drag(c.at(band.topLeft()), c.at(band.bottomRight()));
  QCOMPARE(c.scene->selectedNodeIds(), (std::vector<std::string>{"fc1", "act"}));
  QCOMPARE(c.model.undoStack()->count(), 0);
}

void TestEditing::deleteKeyRemovesSelection() {
  Canvas c(sample("mlp-sine.strata"));
  const std::string before = c.text();
  c.scene->selectNodes({"act"});
  c.view->setFocus();
  QTest::keyClick(c.vp(), Qt::Key_Delete);
  QVERIFY(!c.model.document().node("act"));
  QCOMPARE(c.model.document().edges.size(), size_t(3));
  QVERIFY(!c.scene->nodeItem("act"));
  // An edge selected alone, then Backspace.
  const GraphEdge e{{"fc2", "out"}, {"loss", "input"}};
  c.scene->clearSelection();
  c.scene->edgeItem(e)->setSelected(true);
  QTest::keyClick(c.vp(), Qt::Key_Backspace);
  QVERIFY(!c.hasEdge(e));
  QCOMPARE(c.model.undoStack()->count(), 2);
  c.model.undoStack()->undo();
  c.model.undoStack()->undo();
  QCOMPARE(c.text(), before);
  QCOMPARE(c.scene->edgeItems().size(), size_t(5));
}

void TestEditing::copyPasteKeepsInternalEdges() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act", "fc2"});
  c.scene->copySelection();
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  QVERIFY(mime && mime->hasFormat("application/x-strata-graph"));
  QVERIFY(mime->text().contains("strata-graph"));
  const size_t nodes = c.model.document().nodes.size();
  const size_t edges = c.model.document().edges.size();
  c.scene->paste();
  QCOMPARE(c.model.document().nodes.size(), nodes + 3);
  QCOMPARE(c.model.document().edges.size(), edges + 2);  // fc1->act, act->fc2; not window->fc1
  // Renamed on collision: fc1 -> fc3 (fc2 is taken), act -> act2, fc2 -> fc4.
  QVERIFY(c.hasEdge({{"fc3", "out"}, {"act2", "in"}}));
  QVERIFY(c.hasEdge({{"act2", "out"}, {"fc4", "in"}}));
  const GraphNode* copy = c.model.document().node("fc3");
  QCOMPARE(copy->x, c.model.document().node("fc1")->x + GraphScene::kPasteOffset);
  QVERIFY(copy->params == c.model.document().node("fc1")->params);
  QCOMPARE(c.scene->selectedNodeIds(), (std::vector<std::string>{"fc3", "act2", "fc4"}));
  // A second paste lands further along.
  c.scene->paste();
  QCOMPARE(c.model.document().node("fc5")->x,
           c.model.document().node("fc1")->x + 2 * GraphScene::kPasteOffset);
  QCOMPARE(c.model.undoStack()->count(), 2);
  c.model.undoStack()->undo();
  c.model.undoStack()->undo();
  QCOMPARE(c.model.document().nodes.size(), nodes);
  QCOMPARE(c.model.document().edges.size(), edges);
}

void TestEditing::cutThenPaste() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"act"});
  c.scene->cutSelection();
  QVERIFY(!c.model.document().node("act"));
  c.scene->paste();
  QVERIFY(c.model.document().node("act"));  // the id is free again
  QCOMPARE(c.model.document().node("act")->x, 440.0);  // back where it was
}

void TestEditing::duplicateAndSelectAll() {
  Canvas c(sample("mlp-sine.strata"));
  c.scene->selectNodes({"fc1", "act"});
  c.scene->duplicateSelection();
  QVERIFY(c.model.document().node("fc3") && c.model.document().node("act2"));
  QVERIFY(c.hasEdge({{"fc3", "out"}, {"act2", "in"}}));
  c.scene->selectAllNodes();
  QCOMPARE(c.scene->selectedNodeIds().size(), c.model.document().nodes.size());
}

void TestEditing::autoLayoutLayersLeftToRight() {
  Canvas c(test::dataFile("token-lstm.strata"));
  // Scramble, then lay out.
  std::vector<MoveNodesCommand::Move> moves;
  int i = 0;
  for (const GraphNode& n : c.model.document().nodes)
    moves.push_back({n.id, {n.x, n.y}, {double((i * 7) % 5) * 90, double(i * 37 % 11) * 40}}),
        ++i;
  QVERIFY(c.scene->editor()->moveNodes(moves));
  const std::string scrambled = c.text();
  c.scene->clearSelection();
  c.scene->autoLayout();
  QCOMPARE(c.model.undoStack()->count(), 2);
  for (const GraphEdge& e : c.model.document().edges) {
    const QRectF a = c.scene->nodeItem(e.from.node)->sceneBoundingRect();
    const QRectF b = c.scene->nodeItem(e.to.node)->sceneBoundingRect();
    QVERIFY2(a.right() < b.left(), (e.from.node + " -> " + e.to.node).c_str());
  }
  // No two cards overlap.
  const auto items = c.scene->nodeItems();
  for (size_t a = 0; a < items.size(); ++a)
    for (size_t b = a + 1; b < items.size(); ++b)
      QVERIFY(!items[a]->mapRectToScene(items[a]->cardRect())
                   .intersects(items[b]->mapRectToScene(items[b]->cardRect())));
  c.model.undoStack()->undo();
  QCOMPARE(c.text(), scrambled);
}

void TestEditing::autoLayoutReducesCrossings() {
  // Two chains a1->a2, b1->b2 drawn crossed: the barycentre pass must uncross them.
  GraphDocument doc;
  auto add = [&](const char* id, double x, double y) {
    doc.nodes.push_back({id, "Tanh", Json::object(), x, y});
  };
  add("a1", 0, 0);
  add("b1", 0, 200);
  add("a2", 300, 200);
  add("b2", 300, 0);
  add("x", 0, 400);
  doc.edges.push_back({{"a1", "out"}, {"a2", "in"}});
  doc.edges.push_back({{"b1", "out"}, {"b2", "in"}});
  const auto layer = AutoLayout::layers(doc, {});
  QCOMPARE(layer.at("a2"), 1);
  QCOMPARE(layer.at("x"), 0);
  const auto pos = AutoLayout::compute(doc, {}, {});
  std::map<std::string, double> row;
  for (const auto& [id, p] : pos) row[id] = p.y();
  QCOMPARE(AutoLayout::crossings(doc, layer, row), 0);
  // Only the selection moves.
  const auto some = AutoLayout::compute(doc, {"a1", "a2"}, {});
  QCOMPARE(some.size(), size_t(2));
  QVERIFY(some.at("a2").x() > some.at("a1").x());
}

void TestEditing::spaceDragPans() {
  Canvas c(sample("mlp-sine.strata"));
  c.view->setFocus();
  const QPointF centre = c.view->mapToScene(c.vp()->rect().center());
  QTest::keyPress(c.view.get(), Qt::Key_Space);
  const QPoint from(700, 700);  // empty canvas below the graph
  c.drag(from, from + QPoint(-200, -100));
  QTest::keyRelease(c.view.get(), Qt::Key_Space);
  const QPointF moved = c.view->mapToScene(c.vp()->rect().center());
  QCOMPARE(moved - centre, QPointF(200, 100));
  QVERIFY(c.scene->selectedItems().isEmpty());  // no rubber band
  QCOMPARE(c.model.undoStack()->count(), 0);
}

void TestEditing::editorActionsFollowSelection() {
  Canvas c(sample("mlp-sine.strata"));
  EditorActions actions(c.scene.get());
  QVERIFY(!actions.copy()->isEnabled());
  c.scene->selectNodes({"act"});
  QVERIFY(actions.copy()->isEnabled() && actions.remove()->isEnabled());
  actions.remove()->trigger();
  QVERIFY(!c.model.document().node("act"));
  QVERIFY(actions.undo()->isEnabled());
  actions.undo()->trigger();
  QVERIFY(c.model.document().node("act"));
  QCOMPARE(actions.all().size(), 15);  // 12 actions, 3 separators
}

void TestEditing::wheelZoomRescalesThenSettles() {
  // Around the cursor; during the gesture the cards rescale one image, after it they are
  // rendered crisp at the new zoom again.
  Canvas c(sample("mlp-sine.strata"));
  NodeItem* card = c.scene->nodeItem("fc1");
  const QPoint cursor = c.at(card->mapToScene(card->cardRect().center()));
  const QPointF under = c.view->mapToScene(cursor);
  const double before = c.view->zoom();
  QWheelEvent event(QPointF(cursor), QPointF(c.vp()->mapToGlobal(cursor)), QPoint(),
                    QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(c.vp(), &event);
  QVERIFY(c.view->zoom() > before);
  QVERIFY((c.view->mapToScene(cursor) - under).manhattanLength() < 2.0);  // the point stays put
  QCOMPARE(card->cacheMode(), QGraphicsItem::ItemCoordinateCache);
  QTRY_COMPARE(card->cacheMode(), QGraphicsItem::DeviceCoordinateCache);
}

QTEST_MAIN(TestEditing)
#include "tst_editing.moc"
