// The canvas scene against the model: one card per node and one edge per edge, shape labels from
// the analysis, error badges, and items that follow the model's edits and their undo.
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>
#include <QUndoStack>

#include "canvas/edgeitem.h"
#include "canvas/edgelabelitem.h"
#include "canvas/errorbadgeitem.h"
#include "document/formatting.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "guitestenv.h"
#include "document/movenodecommand.h"
#include "document/nodecontent.h"
#include "canvas/nodeitem.h"

using namespace strata;
using namespace strata::gui;

class TestGraphScene final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void opensGraph_data();
  void opensGraph();
  void edgesRunFromOutputToInputPort();
  void errorNodeShowsBadge();
  void keyParamsAndCount();
  void variadicAndOptionalPorts();
  void concatShowsEachConnectedInput();
  void stackedNodesAreLaidOut();
  void followsModelEdits();
  void moveIsOneUndoStep();
  void failedLoadLeavesModelUnchanged();
  void mutatedGraphsOpenAndDraw();
  void formatCount_data();
  void formatCount();
};

void TestGraphScene::opensGraph_data() {
  QTest::addColumn<QString>("path");
  const QStringList graphs = test::validGraphs();
  QVERIFY2(graphs.size() >= 2, "expected samples/*.strata and the test graphs");
  for (const QString& g : graphs) QTest::newRow(qPrintable(QFileInfo(g).fileName())) << g;
}

void TestGraphScene::opensGraph() {
  QFETCH(QString, path);
  GraphModel model;
  const Status status = model.loadFile(path);
  QVERIFY2(status.isOk(), status.message().c_str());
  GraphScene scene(&model);
  const GraphDocument& doc = model.document();
  QVERIFY(!doc.nodes.empty());
  QCOMPARE(scene.nodeItems().size(), doc.nodes.size());
  QCOMPARE(scene.edgeItems().size(), doc.edges.size());
  int cards = 0;
  int edges = 0;
  for (QGraphicsItem* item : scene.items()) {
    cards += item->type() == NodeItem::Type;
    edges += item->type() == EdgeItem::Type;
  }
  QCOMPARE(size_t(cards), doc.nodes.size());
  QCOMPARE(size_t(edges), doc.edges.size());

  const GraphAnalysis& analysis = model.analysis();
  QVERIFY2(analysis.ok(), analysis.ok() ? "" : analysis.diagnostics.front().message.c_str());
  for (const GraphNode& n : doc.nodes) {
    NodeItem* item = scene.nodeItem(n.id);
    QVERIFY(item);
    QCOMPARE(item->pos(), QPointF(n.x, n.y));
    QVERIFY(!item->errorBadge()->isVisible());
    QVERIFY(analysis.find(n.id));  // a Repeat block's template node shows copy 0
    QCOMPARE(item->content().parameterCount, analysis.find(n.id)->parameterCount);
  }
  for (const GraphEdge& e : doc.edges) {
    EdgeItem* item = scene.edgeItem(e);
    QVERIFY(item);
    const std::optional<TensorType> type = analysis.edgeType(e);
    QVERIFY2(type.has_value(), e.from.toString().c_str());
    QCOMPARE(item->label(), QString::fromStdString(shapeToString(type->shape)));
    // The pill is drawn on the wire's midpoint, above the cards.
    EdgeLabelItem* pill = item->labelItem();
    QCOMPARE(pill->scene(), &scene);
    QVERIFY(pill->isVisible());
    QCOMPARE(pill->text(), item->label());
    QVERIFY(pill->zValue() > scene.nodeItem(e.from.node)->zValue());
    QVERIFY(item->shape().contains(item->mapFromScene(pill->pos())));
  }
}

void TestGraphScene::edgesRunFromOutputToInputPort() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  const GraphEdge edge{{"lstm", "out"}, {"skip", "a"}};
  EdgeItem* item = scene.edgeItem(edge);
  QVERIFY(item);
  QCOMPARE(item->label(), QStringLiteral("[B, T, 64]"));
  const QPointF from = scene.nodeItem("lstm")->outputPortPos("out");
  const QPointF to = scene.nodeItem("skip")->inputPortPos("a");
  QCOMPARE(from.x(), scene.nodeItem("lstm")->sceneBoundingRect().center().x() +
                         scene.nodeItem("lstm")->cardRect().width() / 2);
  QVERIFY(item->shape().contains(item->mapFromScene(from)));
  QVERIFY(item->shape().contains(item->mapFromScene(to)));
  // The second input of the Add sits below the first.
  QVERIFY(scene.nodeItem("skip")->inputPortPos("b").y() > to.y());
  // The token stream is int64 and labelled as such in its port's type.
  QCOMPARE(scene.edgeItem({{"tokens", "out"}, {"embed", "in"}})->label(),
           QStringLiteral("[B, T]"));
}

void TestGraphScene::errorNodeShowsBadge() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("broken-layers.strata"))).isOk());
  GraphScene scene(&model);
  const NodeAnalysis* bad = model.nodeAnalysis("mystery");
  QVERIFY(bad);
  QVERIFY(!bad->error.empty());
  ErrorBadgeItem* badge = scene.nodeItem("mystery")->errorBadge();
  QVERIFY(badge->isVisible());
  QCOMPARE(badge->toolTip(), QString::fromStdString(bad->error));
  QVERIFY(badge->toolTip().contains(QStringLiteral("Linaer")));
  QVERIFY(!scene.nodeItem("fc")->errorBadge()->isVisible());
  // Edges out of the broken node carry no shape; those before it still do.
  QCOMPARE(scene.edgeItem({{"mystery", "out"}, {"y", "in"}})->label(), QString());
  QCOMPARE(scene.edgeItem({{"fc", "out"}, {"mystery", "in"}})->label(), QStringLiteral("[B, 16]"));

  // Fixing the type through the model clears the badge.
  GraphNode fixed = *model.document().node("mystery");
  fixed.id = "fixed";
  fixed.type = "Linear";
  QVERIFY(model.removeNode("mystery"));
  QVERIFY(!scene.nodeItem("mystery"));
  QVERIFY(model.addNode(fixed));
  QVERIFY(model.addEdge({{"fc", "out"}, {"fixed", "in"}}));
  QVERIFY(!scene.nodeItem("fixed")->errorBadge()->isVisible());
  QCOMPARE(scene.edgeItem({{"fc", "out"}, {"fixed", "in"}})->label(), QStringLiteral("[B, 16]"));
}

void TestGraphScene::keyParamsAndCount() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  const NodeContent& head = scene.nodeItem("head")->content();
  QCOMPARE(head.type, QStringLiteral("Linear"));
  QCOMPARE(head.category, std::string("Dense"));
  auto param = [](const NodeContent& c, const QString& name) -> const NodeContent::Param* {
    for (const NodeContent::Param& p : c.params)
      if (p.name == name) return &p;
    return nullptr;
  };
  const NodeContent::Param* out = param(head, QStringLiteral("out_features"));
  QVERIFY(out);
  QCOMPARE(out->value, QStringLiteral("4"));
  QVERIFY(!out->inferred);
  const NodeContent::Param* in = param(head, QStringLiteral("in_features"));
  QVERIFY(in);
  QCOMPARE(in->value, QStringLiteral("64"));
  QVERIFY(in->inferred);
  QCOMPARE(head.parameterCount, int64_t(64 * 4 + 4));
  // Embedding 96 x 64 = 6144 weights.
  QCOMPARE(scene.nodeItem("embed")->content().parameterCount, int64_t(6144));
  QCOMPARE(formatParameters(6144), QStringLiteral("6.1 K params"));
}

void TestGraphScene::variadicAndOptionalPorts() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  const NodeContent& lstm = scene.nodeItem("lstm")->content();
  QStringList inputs;
  for (const NodeContent::Port& p : lstm.inputs) inputs << QString::fromStdString(p.name);
  QCOMPARE(inputs, QStringList({"in", "h0", "c0"}));
  QVERIFY(lstm.inputs[0].connected);
  QVERIFY(!lstm.inputs[1].connected);
  QVERIFY(lstm.inputs[1].optional);
  QStringList outputs;
  for (const NodeContent::Port& p : lstm.outputs) outputs << QString::fromStdString(p.name);
  QCOMPARE(outputs, QStringList({"out", "h_n", "c_n"}));
  QCOMPARE(lstm.outputs[0].type, QStringLiteral("[B, T, 64] float32"));
  QCOMPARE(scene.nodeItem("embed")->content().inputs[0].type, QStringLiteral("[B, T] int64"));
}

void TestGraphScene::concatShowsEachConnectedInput() {
  const char* text = R"({"format": "strata-graph", "version": 1,
    "nodes": [
      {"id": "x", "type": "Input", "params": {"shape": [4]}, "pos": [0, 0]},
      {"id": "a", "type": "Linear", "params": {"out_features": 3}, "pos": [200, -100]},
      {"id": "b", "type": "Linear", "params": {"out_features": 5}, "pos": [200, 0]},
      {"id": "c", "type": "Linear", "params": {"out_features": 7}, "pos": [200, 100]},
      {"id": "cat", "type": "Concat", "params": {}, "pos": [400, 0]}],
    "edges": [
      {"from": "x.out", "to": "a.in"}, {"from": "x.out", "to": "b.in"},
      {"from": "x.out", "to": "c.in"}, {"from": "a.out", "to": "cat.in0"},
      {"from": "b.out", "to": "cat.in1"}, {"from": "c.out", "to": "cat.in2"}]})";
  Result<GraphDocument> doc = GraphDocument::parse(text);
  QVERIFY2(doc.isOk(), doc.message().c_str());
  GraphModel model;
  model.setDocument(std::move(doc).value());
  GraphScene scene(&model);
  const NodeContent& cat = scene.nodeItem("cat")->content();
  QStringList inputs;
  for (const NodeContent::Port& p : cat.inputs) inputs << QString::fromStdString(p.name);
  QCOMPARE(inputs, QStringList({"in0", "in1", "in2"}));
  QCOMPARE(scene.edgeItem({{"cat", "out"}, {"cat", "in0"}}), nullptr);
  QCOMPARE(cat.outputs.at(0).type, QStringLiteral("[B, 15] float32"));
  // Each edge ends on its own port.
  const qreal y1 = scene.nodeItem("cat")->inputPortPos("in1").y();
  QVERIFY(scene.nodeItem("cat")->inputPortPos("in0").y() < y1);
  QVERIFY(scene.nodeItem("cat")->inputPortPos("in2").y() > y1);
}

void TestGraphScene::stackedNodesAreLaidOut() {
  // Written by a script without positions: every node at the origin.
  const char* text = R"({"format": "strata-graph", "version": 1,
    "nodes": [
      {"id": "x", "type": "Input", "params": {"shape": [4]}},
      {"id": "fc", "type": "Linear", "params": {"out_features": 2}},
      {"id": "y", "type": "Output", "params": {}}],
    "edges": [{"from": "x.out", "to": "fc.in"}, {"from": "fc.out", "to": "y.in"}]})";
  Result<GraphDocument> doc = GraphDocument::parse(text);
  QVERIFY2(doc.isOk(), doc.message().c_str());
  GraphModel model;
  model.setDocument(std::move(doc).value());
  GraphScene scene(&model);
  const QRectF x = scene.nodeItem("x")->sceneBoundingRect();
  const QRectF fc = scene.nodeItem("fc")->sceneBoundingRect();
  const QRectF y = scene.nodeItem("y")->sceneBoundingRect();
  QVERIFY(x.right() < fc.left());
  QVERIFY(fc.right() < y.left());
}

void TestGraphScene::followsModelEdits() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  QSignalSpy analysed(&model, &GraphModel::analysisChanged);
  const size_t nodes = scene.nodeItems().size();

  QVERIFY(model.addNode({"extra", "ReLU", Json::object(), 1300, 300}));
  QCOMPARE(scene.nodeItems().size(), nodes + 1);
  QVERIFY(model.addEdge({{"pool", "out"}, {"extra", "in"}}));
  QCOMPARE(scene.edgeItem({{"pool", "out"}, {"extra", "in"}})->label(), QStringLiteral("[B, 64]"));
  QVERIFY(!model.addEdge({{"pool", "out"}, {"nowhere", "in"}}));

  // Changing a size upstream re-runs the analysis and relabels the edges downstream.
  Json params = model.document().node("embed")->params;
  params["embedding_dim"] = 32;
  QVERIFY(model.setNodeParams("embed", params));
  QCOMPARE(scene.edgeItem({{"embed", "out"}, {"lstm", "in"}})->label(),
           QStringLiteral("[B, T, 32]"));
  QVERIFY(analysed.count() >= 3);

  QVERIFY(model.removeNode("extra"));
  QCOMPARE(scene.nodeItems().size(), nodes);
  QVERIFY(!scene.edgeItem({{"pool", "out"}, {"extra", "in"}}));
  QCOMPARE(scene.edgeItems().size(), model.document().edges.size());
  // Labels leave the scene with their edges.
  int pills = 0;
  for (QGraphicsItem* item : scene.items()) pills += item->type() == EdgeLabelItem::Type;
  QCOMPARE(size_t(pills), model.document().edges.size());
}

void TestGraphScene::moveIsOneUndoStep() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  NodeItem* lstm = scene.nodeItem("lstm");
  const QPointF start = lstm->pos();
  EdgeItem* edge = scene.edgeItem({{"embed", "out"}, {"lstm", "in"}});
  const QRectF before = edge->sceneBoundingRect();

  // Two steps of one drag merge into one command.
  model.undoStack()->push(new MoveNodeCommand(&model, "lstm", start, start + QPointF(40, 0)));
  model.undoStack()->push(
      new MoveNodeCommand(&model, "lstm", start + QPointF(40, 0), start + QPointF(80, 120)));
  QCOMPARE(model.undoStack()->count(), 1);
  QCOMPARE(lstm->pos(), start + QPointF(80, 120));
  QCOMPARE(model.document().node("lstm")->y, start.y() + 120);
  QVERIFY(edge->sceneBoundingRect() != before);

  model.undoStack()->undo();
  QCOMPARE(lstm->pos(), start);
  QCOMPARE(model.document().node("lstm")->x, start.x());
  QCOMPARE(edge->sceneBoundingRect(), before);
}

void TestGraphScene::failedLoadLeavesModelUnchanged() {
  GraphModel model;
  QVERIFY(model.loadFile(test::dataFile(QStringLiteral("token-lstm.strata"))).isOk());
  GraphScene scene(&model);
  QSignalSpy reset(&model, &GraphModel::modelReset);
  const Status status = model.loadFile(test::dataFile(QStringLiteral("malformed.strata")));
  QVERIFY(!status.isOk());
  QVERIFY(QString::fromStdString(status.message()).contains(QStringLiteral("malformed.strata")));
  QCOMPARE(reset.count(), 0);
  QCOMPARE(scene.nodeItems().size(), size_t(8));
}

void TestGraphScene::formatCount_data() {
  QTest::addColumn<qlonglong>("n");
  QTest::addColumn<QString>("text");
  QTest::newRow("small") << 950LL << "950";
  QTest::newRow("2.1K") << 2113LL << "2.1 K";
  QTest::newRow("13K") << 12800LL << "13 K";
  QTest::newRow("999999") << 999999LL << "1.0 M";
  QTest::newRow("1.3M") << 1260000LL << "1.3 M";
  QTest::newRow("3.2G") << 3200000000LL << "3.2 G";
}

void TestGraphScene::formatCount() {
  QFETCH(qlonglong, n);
  QFETCH(QString, text);
  QCOMPARE(gui::formatCount(n), text);
}

// Whatever a file holds once it parses — absurd params, broken blocks (a Repeat block around a
// loss, repeat 256, blocks over missing ports), cycles — the canvas opens it, draws it, and
// follows an edit and its undo without crashing.
void TestGraphScene::mutatedGraphsOpenAndDraw() {
  const std::vector<Json> odd = {Json(-1), Json(0), Json(256), Json(1e300), Json("x"),
                                 Json::array(), Json::object()};
  QImage image(400, 300, QImage::Format_ARGB32_Premultiplied);
  int opened = 0;
  for (const QString& path : test::validGraphs()) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    Json original = Json::parse(file.readAll().toStdString());
    // A Repeat block around the whole model (holds the Input and the loss: refused, not fatal).
    Json wrapped = original;
    Json all = Json::array();
    for (const Json& n : original["nodes"]) all.push_back(n["id"]);
    wrapped["blocks"] = Json::array({{{"id", "everything"}, {"nodes", all}, {"repeat", 3},
                                      {"collapsed", true}}});
    std::vector<Json> variants{wrapped};
    std::vector<Json::json_pointer> pointers;
    for (size_t i = 0; i < original["nodes"].size(); ++i) {
      const Json& params = original["nodes"][i]["params"];
      for (auto it = params.begin(); it != params.end(); ++it)
        pointers.push_back(Json::json_pointer("/nodes/" + std::to_string(i) + "/params/" +
                                              it.key()));
    }
    for (size_t k = 0; k < pointers.size(); ++k) {
      Json v = original;
      v[pointers[k]] = odd[k % odd.size()];
      variants.push_back(v);
      Json blocked = wrapped;
      blocked[pointers[k]] = odd[(k + 3) % odd.size()];
      variants.push_back(blocked);
    }
    for (const Json& v : variants) {
      auto doc = GraphDocument::fromJson(v);
      if (!doc) continue;
      GraphModel model;
      model.setDocument(std::move(doc).value());
      GraphScene scene(&model);
      QPainter painter(&image);
      scene.render(&painter);
      painter.end();
      if (!model.document().nodes.empty()) {
        const std::string id = model.document().nodes.back().id;
        scene.editor()->moveNodes({{id, {0, 0}, {40, 40}}});
        scene.editor()->setBlockCollapsed("everything", false);
        model.undoStack()->undo();
        model.undoStack()->undo();
      }
      ++opened;
    }
  }
  qInfo("opened %d mutated graphs", opened);
  QVERIFY(opened > 50);
}

QTEST_MAIN(TestGraphScene)
#include "tst_graphscene.moc"
