// The inspector: typed editors generated from ParamSpec, edits that flow through the undo stack
// into the analysis (shapes on downstream edges, error badges with the engine's message),
// validation as you type, merging of one field's edits, and renaming a node.
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QSpinBox>
#include <QTest>
#include <QUndoStack>

#include "canvas/edgeitem.h"
#include "canvas/errorbadgeitem.h"
#include "document/formatting.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "guitestenv.h"
#include "panels/inspectorwidget.h"
#include "window/mainwindow.h"
#include "canvas/nodeitem.h"
#include "panels/parameditor.h"

using namespace strata;
using namespace strata::gui;

namespace {

GraphEdge edge(const char* from, const char* to) {
  return {*parseEndpoint(from), *parseEndpoint(to)};
}

void select(MainWindow& window, const std::string& id) {
  window.scene()->clearSelection();
  NodeItem* item = window.scene()->nodeItem(id);
  QVERIFY(item);
  item->setSelected(true);
}

}  // namespace

class TestInspector final : public QObject {
  Q_OBJECT

 public:
  static void initMain() { test::setUpEnvironment(); }

 private slots:
  void init();
  void cleanup();
  void followsTheSelection();
  void editorsAreTyped_data();
  void editorsAreTyped();
  void inferredValueIsThePlaceholder();
  void editChangesDownstreamShapes();
  void editsUndoAndRedo();
  void typingMergesIntoOneStep();
  void impossibleValueShowsErrorBadge();
  void invalidTextIsRefusedWithAMessage();
  void renamesNode();

 private:
  std::unique_ptr<MainWindow> m_window;
};

void TestInspector::init() {
  m_window = std::make_unique<MainWindow>();
  m_window->setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  QVERIFY(m_window->openFile(test::dataFile(QStringLiteral("token-lstm.strata"))));
}

void TestInspector::cleanup() { m_window.reset(); }

void TestInspector::followsTheSelection() {
  InspectorWidget* inspector = m_window->inspector();
  QVERIFY(inspector->nodeId().empty());
  select(*m_window, "lstm");
  QCOMPARE(inspector->nodeId(), std::string("lstm"));
  QVERIFY(inspector->editor(QStringLiteral("hidden_size")));
  QCOMPARE(inspector->idEdit()->text(), QStringLiteral("lstm"));
  const QString summary = inspector->summaryText();
  QVERIFY2(summary.contains(QStringLiteral("[B, T, 64]")), qPrintable(summary));
  const NodeAnalysis* a = m_window->model()->nodeAnalysis("lstm");
  QVERIFY2(summary.contains(QLocale().toString(qlonglong(a->parameterCount))),
           qPrintable(summary));
  QVERIFY(summary.contains(QStringLiteral("FLOPs")));
  m_window->scene()->clearSelection();
  QVERIFY(inspector->nodeId().empty());
}

void TestInspector::editorsAreTyped_data() {
  QTest::addColumn<QString>("node");
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("widget");
  QTest::newRow("int with range") << "lstm" << "num_layers" << "QSpinBox";
  QTest::newRow("bool") << "lstm" << "bidirectional" << "QCheckBox";
  QTest::newRow("choice") << "pool" << "mode" << "QComboBox";
  QTest::newRow("int list") << "tokens" << "shape" << "QLineEdit";
  QTest::newRow("float") << "lstm" << "dropout" << "QLineEdit";
  QTest::newRow("inferred int") << "head" << "in_features" << "QLineEdit";
}

void TestInspector::editorsAreTyped() {
  QFETCH(QString, node);
  QFETCH(QString, key);
  QFETCH(QString, widget);
  select(*m_window, node.toStdString());
  ParamEditor* editor = m_window->inspector()->editor(key);
  QVERIFY(editor);
  QCOMPARE(QString::fromLatin1(editor->editor()->metaObject()->className()), widget);
  if (auto* spin = qobject_cast<QSpinBox*>(editor->editor())) {
    QCOMPARE(double(spin->minimum()), std::max(editor->spec().minValue, double(INT_MIN)));
  }
  if (auto* combo = qobject_cast<QComboBox*>(editor->editor())) {
    QCOMPARE(combo->count(), int(editor->spec().choices.size()));
    QCOMPARE(combo->currentText(), QStringLiteral("mean"));
  }
  if (key == QLatin1String("shape"))
    QCOMPARE(qobject_cast<QLineEdit*>(editor->editor())->text(), QStringLiteral("[-1]"));
}

void TestInspector::inferredValueIsThePlaceholder() {
  select(*m_window, "head");
  auto* line = qobject_cast<QLineEdit*>(
      m_window->inspector()->editor(QStringLiteral("in_features"))->editor());
  QVERIFY(line);
  QVERIFY(line->text().isEmpty());
  QVERIFY2(line->placeholderText().contains(QStringLiteral("64")),
           qPrintable(line->placeholderText()));
}

void TestInspector::editChangesDownstreamShapes() {
  select(*m_window, "head");
  EdgeItem* out = m_window->scene()->edgeItem(edge("head.out", "logits.in"));
  QVERIFY(out);
  QCOMPARE(out->label(), QStringLiteral("[B, 4]"));
  const int64_t before = m_window->model()->analysis().totalParameters;
  m_window->inspector()->editor(QStringLiteral("out_features"))->setText(QStringLiteral("7"));
  QCOMPARE(m_window->model()->document().node("head")->params["out_features"].get<int>(), 7);
  QCOMPARE(out->label(), QStringLiteral("[B, 7]"));
  QVERIFY(m_window->inspector()->summaryText().contains(QStringLiteral("[B, 7]")));
  QVERIFY(m_window->isModified());
  // The status bar's totals follow: head went from 64*4+4 to 64*7+7 weights.
  const int64_t total = m_window->model()->analysis().totalParameters;
  QCOMPARE(total - before, int64_t(3 * 65));
  QVERIFY2(m_window->statusText().contains(QStringLiteral("Parameters: ") + formatCount(total)),
           qPrintable(m_window->statusText()));
}

void TestInspector::editsUndoAndRedo() {
  select(*m_window, "lstm");
  QUndoStack* stack = m_window->model()->undoStack();
  ParamEditor* hidden = m_window->inspector()->editor(QStringLiteral("hidden_size"));
  hidden->setText(QStringLiteral("64"));  // unchanged: nothing to undo
  QCOMPARE(stack->count(), 0);
  auto* bidir = qobject_cast<QCheckBox*>(
      m_window->inspector()->editor(QStringLiteral("bidirectional"))->editor());
  bidir->setChecked(true);
  QCOMPARE(stack->count(), 1);
  const EdgeItem* out = m_window->scene()->edgeItem(edge("lstm.out", "skip.a"));
  QCOMPARE(out->label(), QStringLiteral("[B, T, 128]"));
  stack->undo();
  QCOMPARE(out->label(), QStringLiteral("[B, T, 64]"));
  QVERIFY(!bidir->isChecked());  // the editor follows the document
  QVERIFY(!m_window->isModified());
  stack->redo();
  QCOMPARE(out->label(), QStringLiteral("[B, T, 128]"));
  QVERIFY(bidir->isChecked());
}

void TestInspector::typingMergesIntoOneStep() {
  select(*m_window, "head");
  ParamEditor* editor = m_window->inspector()->editor(QStringLiteral("out_features"));
  QUndoStack* stack = m_window->model()->undoStack();
  editor->setText(QStringLiteral("1"));
  editor->setText(QStringLiteral("12"));
  editor->setText(QStringLiteral("128"));
  QCOMPARE(stack->count(), 1);
  QCOMPARE(m_window->model()->document().node("head")->params["out_features"].get<int>(), 128);
  stack->undo();
  QCOMPARE(m_window->model()->document().node("head")->params["out_features"].get<int>(), 4);
}

void TestInspector::impossibleValueShowsErrorBadge() {
  select(*m_window, "lstm");
  // 32 is a legal hidden size, but the residual Add now sees [B, T, 32] + [B, T, 64].
  auto* spin = qobject_cast<QSpinBox*>(
      m_window->inspector()->editor(QStringLiteral("hidden_size"))->editor());
  QVERIFY(spin);
  spin->setValue(32);
  const NodeAnalysis* skip = m_window->model()->nodeAnalysis("skip");
  QVERIFY(skip);
  QVERIFY(!skip->error.empty());
  const QString message = QString::fromStdString(skip->error);
  NodeItem* item = m_window->scene()->nodeItem("skip");
  QVERIFY(item->errorBadge()->isVisible());
  QCOMPARE(item->errorBadge()->message(), message);
  select(*m_window, "skip");
  QCOMPARE(m_window->inspector()->nodeError(), message);
  QVERIFY(m_window->statusText().contains(QStringLiteral("problem")));
  m_window->model()->undoStack()->undo();
  QVERIFY(!item->errorBadge()->isVisible());
  QVERIFY(m_window->inspector()->nodeError().isEmpty());
}

void TestInspector::invalidTextIsRefusedWithAMessage() {
  const std::string id = m_window->editor()->addNode("Dropout", QPointF(0, 300));
  QVERIFY(!id.empty());
  select(*m_window, id);
  QUndoStack* stack = m_window->model()->undoStack();
  const int before = stack->count();
  ParamEditor* p = m_window->inspector()->editor(QStringLiteral("p"));
  QVERIFY(p);
  p->setText(QStringLiteral("abc"));
  QVERIFY(!p->error().isEmpty());
  QCOMPARE(stack->count(), before);
  p->setText(QStringLiteral("1.5"));  // parses, but the engine's range check refuses it
  QVERIFY2(p->error().contains(QStringLiteral("'p'")), qPrintable(p->error()));
  QVERIFY(!p->editor()->styleSheet().isEmpty());  // the red border
  QCOMPARE(stack->count(), before);
  p->setText(QStringLiteral("0.25"));
  QVERIFY(p->error().isEmpty());
  QVERIFY(p->editor()->styleSheet().isEmpty());
  QCOMPARE(stack->count(), before + 1);
  QCOMPARE(m_window->model()->document().node(id)->params["p"].get<double>(), 0.25);
}

void TestInspector::renamesNode() {
  select(*m_window, "head");
  InspectorWidget* inspector = m_window->inspector();
  inspector->idEdit()->setText(QStringLiteral("embed"));  // taken
  QVERIFY(!inspector->applyId());
  QVERIFY(!inspector->idError().isEmpty());
  inspector->idEdit()->setText(QStringLiteral("classifier"));
  QVERIFY(inspector->applyId());
  const GraphDocument& doc = m_window->model()->document();
  QVERIFY(doc.node("classifier"));
  QVERIFY(!doc.node("head"));
  QVERIFY(m_window->scene()->edgeItem(edge("classifier.out", "logits.in")));
  QVERIFY(m_window->scene()->edgeItem(edge("pool.out", "classifier.in")));
  QCOMPARE(inspector->nodeId(), std::string("classifier"));
  m_window->model()->undoStack()->undo();
  QVERIFY(m_window->model()->document().node("head"));
  QVERIFY(m_window->model()->analysis().ok());
}

QTEST_MAIN(TestInspector)
#include "tst_inspector.moc"
