// The editor's undo commands: each one's redo/undo restores the document byte for byte, merging
// rules (one drag, one parameter edit per key), and a script of random edits that undoes to the
// original document and redoes to the edited one exactly.
#include <QTest>
#include <QUndoStack>

#include <random>

#include "canvas/blockitem.h"
#include "graph/analysis.h"
#include "document/graphfragment.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "guitestenv.h"
#include "document/movenodescommand.h"
#include "canvas/nodeitem.h"
#include "document/removeitemscommand.h"
#include "document/setparamcommand.h"

using namespace strata;
using namespace strata::gui;

class TestUndo final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void commandRoundTrip_data();
  void commandRoundTrip();
  void deletionKeepsOrder();
  void setParamMergesSameKey();
  void movesMergeOnlyWhenMergeable();
  void randomEditsUndoExactly_data();
  void randomEditsUndoExactly();
};

namespace {

QString samplePath(const char* name) { return test::samplesDir() + QLatin1Char('/') + name; }

std::string text(const GraphModel& model) { return model.document().serialize(); }

void undoAll(QUndoStack* stack) {
  while (stack->canUndo()) stack->undo();
}

void redoAll(QUndoStack* stack) {
  while (stack->canRedo()) stack->redo();
}

}  // namespace

void TestUndo::commandRoundTrip_data() {
  QTest::addColumn<QString>("edit");
  for (const char* e : {"add", "remove-node", "remove-edge", "move", "connect", "disconnect",
                        "set-param", "unset-param", "paste", "auto-layout", "add-connected",
                        "reconnect"})
    QTest::newRow(e) << QString::fromLatin1(e);
}

void TestUndo::commandRoundTrip() {
  QFETCH(QString, edit);
  GraphModel model;
  QVERIFY(model.loadFile(samplePath("mlp-sine.strata")).isOk());
  GraphEditor editor(&model);
  std::string before = text(model);
  bool done = false;
  if (edit == "add") done = !editor.addNode("Linear", {10, 20}).empty();
  if (edit == "remove-node") done = editor.removeItems({"act"}, {});
  if (edit == "remove-edge") done = editor.removeItems({}, {model.document().edges[1]});
  if (edit == "move") done = editor.moveNodes({{"fc1", {220, 0}, {300, 50}}});
  if (edit == "connect") {
    editor.removeItems({}, {model.document().edges[2]});  // act.out -> fc2.in
    model.undoStack()->clear();
    before = text(model);
    done = editor.connectPorts({{"fc1", "out"}, {"fc2", "in"}}).isEmpty();
  }
  if (edit == "disconnect") done = editor.disconnectEdge(model.document().edges[0]);
  if (edit == "set-param") done = editor.setParam("fc1", "out_features", 17);
  if (edit == "unset-param") done = editor.setParam("fc1", "out_features", Json());
  if (edit == "paste")
    done = editor.paste(GraphFragment::extract(model.document(), {"fc1", "act"}), {40, 40})
               .size() == 2;
  if (edit == "auto-layout") done = editor.autoLayout({});
  if (edit == "add-connected")
    done = !editor.addNodeConnected("Linear", {900, 200}, {"fc2", "out"}, true).empty();
  if (edit == "reconnect")
    done = editor.reconnect(model.document().edges[4], {{"fc1", "out"}, {"prediction", "in"}})
               .isEmpty();
  QVERIFY2(done, qPrintable(edit));
  const std::string after = text(model);
  QVERIFY(after != before);
  QCOMPARE(model.undoStack()->index(), 1);  // one step, whatever the edit
  model.undoStack()->undo();
  QCOMPARE(text(model), before);
  model.undoStack()->redo();
  QCOMPARE(text(model), after);
}

void TestUndo::deletionKeepsOrder() {
  GraphModel model;
  QVERIFY(model.loadFile(samplePath("mlp-sine.strata")).isOk());
  GraphScene scene(&model);
  const std::string before = text(model);
  // A node in the middle of the list with edges before and after it in the edge list.
  auto* command = new RemoveItemsCommand(&model, {"fc2", "fc1"}, {});
  model.undoStack()->push(command);
  QVERIFY(!model.document().node("fc1") && !model.document().node("fc2"));
  QCOMPARE(model.document().edges.size(), size_t(0));
  QCOMPARE(command->snapshot()["nodes"].size(), size_t(2));
  QCOMPARE(command->snapshot()["edges"].size(), size_t(5));
  QCOMPARE(scene.edgeItems().size(), size_t(0));
  model.undoStack()->undo();
  QCOMPARE(text(model), before);
  QCOMPARE(scene.nodeItems().size(), model.document().nodes.size());
  QCOMPARE(scene.edgeItems().size(), model.document().edges.size());
}

void TestUndo::setParamMergesSameKey() {
  GraphModel model;
  QVERIFY(model.loadFile(samplePath("mlp-sine.strata")).isOk());
  GraphEditor editor(&model);
  const std::string before = text(model);
  QVERIFY(editor.setParam("fc1", "out_features", 65));
  QVERIFY(editor.setParam("fc1", "out_features", 66));
  QVERIFY(editor.setParam("fc1", "out_features", 67));
  QCOMPARE(model.undoStack()->count(), 1);
  QVERIFY(editor.setParam("fc1", "bias", false));  // another key: its own step
  QVERIFY(editor.setParam("fc2", "out_features", 2));  // another node: its own step
  QCOMPARE(model.undoStack()->count(), 3);
  QVERIFY(!editor.setParam("fc2", "out_features", 2));  // no change, no step
  QCOMPARE(model.document().node("fc1")->params["out_features"].get<int>(), 67);
  QCOMPARE(model.analysis().nodes.at("fc1").outputs.front().shape.back(), int64_t(67));
  model.undoStack()->undo();
  model.undoStack()->undo();
  model.undoStack()->undo();
  QCOMPARE(text(model), before);
}

void TestUndo::movesMergeOnlyWhenMergeable() {
  GraphModel model;
  QVERIFY(model.loadFile(samplePath("mlp-sine.strata")).isOk());
  GraphEditor editor(&model);
  QVERIFY(editor.moveNodes({{"fc1", {220, 0}, {230, 0}}, {"act", {440, 0}, {450, 0}}}, true));
  QVERIFY(editor.moveNodes({{"fc1", {230, 0}, {240, 0}}, {"act", {450, 0}, {460, 0}}}, true));
  QCOMPARE(model.undoStack()->count(), 1);
  QVERIFY(editor.moveNodes({{"fc1", {240, 0}, {250, 0}}}, true));  // other node set
  QVERIFY(editor.moveNodes({{"fc1", {250, 0}, {260, 0}}}));         // not mergeable
  QVERIFY(!editor.moveNodes({{"fc1", {260, 0}, {260, 0}}}));        // no motion
  QCOMPARE(model.undoStack()->count(), 3);
  undoAll(model.undoStack());
  QCOMPARE(model.document().node("fc1")->x, 220.0);
  QCOMPARE(model.document().node("act")->x, 440.0);
}

void TestUndo::randomEditsUndoExactly_data() {
  QTest::addColumn<QString>("path");
  QTest::addColumn<int>("seed");
  const QStringList graphs = test::validGraphs();
  int seed = 1;
  for (const QString& g : graphs)
    QTest::newRow(qPrintable(QFileInfo(g).fileName())) << g << seed++;
  QTest::newRow("mlp-sine seed 99") << samplePath("mlp-sine.strata") << 99;
}

void TestUndo::randomEditsUndoExactly() {
  QFETCH(QString, path);
  QFETCH(int, seed);
  GraphModel model;
  QVERIFY(model.loadFile(path).isOk());
  GraphScene scene(&model);  // the canvas follows every step
  GraphEditor& editor = *scene.editor();
  const std::string original = text(model);
  std::mt19937 rng(static_cast<unsigned>(seed));
  auto pick = [&](size_t n) {
    return size_t(std::uniform_int_distribution<size_t>(0, n - 1)(rng));
  };
  const std::vector<std::string> types = {"Linear", "Tanh", "ReLU", "Dropout", "LayerNorm",
                                          "Add", "GELU", "Output"};
  std::map<std::string, int> kinds;
  int pushed = 0;
  for (int step = 0; step < 30; ++step) {
    const GraphDocument& doc = model.document();
    const int before = model.undoStack()->index();
    const int op = int(pick(10));
    if (op == 0 || doc.nodes.size() < 3) {
      editor.addNode(types[pick(types.size())], {double(pick(900)), double(pick(600))});
      ++kinds["add"];
    } else if (op == 1) {
      std::vector<GraphEdge> edges;
      if (!doc.edges.empty() && pick(2)) edges.push_back(doc.edges[pick(doc.edges.size())]);
      editor.removeItems({doc.nodes[pick(doc.nodes.size())].id}, edges);
      ++kinds["delete"];
    } else if (op == 2) {
      const GraphNode& n = doc.nodes[pick(doc.nodes.size())];
      editor.moveNodes({{n.id, {n.x, n.y}, {n.x + double(pick(200)) - 100, n.y + 17}}});
      ++kinds["move"];
    } else if (op == 3) {
      // Look for a legal connection among random output/input pairs.
      for (int attempt = 0; attempt < 200; ++attempt) {
        const GraphNode& a = doc.nodes[pick(doc.nodes.size())];
        const GraphNode& b = doc.nodes[pick(doc.nodes.size())];
        const LayerSpec* sa = LayerRegistry::instance().find(a.type);
        const LayerSpec* sb = LayerRegistry::instance().find(b.type);
        if (!sa || !sb || sa->outputs.empty() || sb->inputs.empty()) continue;
        const PortSpec& in = sb->inputs[pick(sb->inputs.size())];
        const GraphEdge e{{a.id, sa->outputs[pick(sa->outputs.size())].name},
                          {b.id, in.variadic ? in.name + "0" : in.name}};
        if (canConnect(doc, e).empty()) {
          QVERIFY(editor.connectPorts(e).isEmpty());
          break;
        }
      }
      ++kinds["connect"];
    } else if (op == 4 && !doc.edges.empty()) {
      editor.disconnectEdge(doc.edges[pick(doc.edges.size())]);
      ++kinds["disconnect"];
    } else if (op == 5) {
      std::vector<std::string> linears;
      for (const GraphNode& n : doc.nodes)
        if (n.type == "Linear") linears.push_back(n.id);
      if (linears.empty())
        editor.addNode("Linear", {0, 0}, Json{{"out_features", 8}});
      else
        editor.setParam(linears[pick(linears.size())], "out_features", int(pick(100)) + 1);
      ++kinds["param"];
    } else if (op == 6) {
      std::vector<std::string> ids{doc.nodes[pick(doc.nodes.size())].id,
                                   doc.nodes[pick(doc.nodes.size())].id};
      editor.paste(GraphFragment::extract(doc, ids), {40, 40});
      ++kinds["paste"];
    } else if (op == 8) {
      // Group two nodes (refused when one is in a block already) or ungroup a block.
      if (!doc.blocks.empty() && pick(3) == 0) {
        editor.ungroup(doc.blocks[pick(doc.blocks.size())].id);
      } else {
        std::vector<std::string> ids{doc.nodes[pick(doc.nodes.size())].id,
                                     doc.nodes[pick(doc.nodes.size())].id};
        editor.groupNodes(ids);
      }
      ++kinds["group"];
    } else if (op == 9 && !doc.blocks.empty()) {
      const GraphBlock& b = doc.blocks[pick(doc.blocks.size())];
      if (pick(2))
        editor.setBlockRepeat(b.id, int(pick(4)) + 1);
      else
        editor.setBlockCollapsed(b.id, !b.collapsed);
      ++kinds["block"];
    } else {
      editor.autoLayout({}, scene.nodeSizes());
      ++kinds["layout"];
    }
    pushed += model.undoStack()->index() > before;
    QCOMPARE(scene.nodeItems().size(), model.document().nodes.size());
    QCOMPARE(scene.edgeItems().size(), model.document().edges.size());
    for (const GraphBlock& b : model.document().blocks) QVERIFY(scene.blockItem(b.id));
    // The document stays a valid file whatever the edits did to blocks.
    QVERIFY(GraphDocument::parse(text(model)).isOk());
  }
  QVERIFY2(pushed >= 20, qPrintable(QString::number(pushed)));
  QVERIFY(kinds.size() >= 6);
  const std::string edited = text(model);
  QVERIFY(edited != original);
  undoAll(model.undoStack());
  QCOMPARE(text(model), original);
  QCOMPARE(scene.nodeItems().size(), model.document().nodes.size());
  for (const GraphNode& n : model.document().nodes)
    QCOMPARE(scene.nodeItem(n.id)->pos(), QPointF(n.x, n.y));
  redoAll(model.undoStack());
  QCOMPARE(text(model), edited);
  QCOMPARE(scene.edgeItems().size(), model.document().edges.size());
}

QTEST_MAIN(TestUndo)
#include "tst_undo.moc"
