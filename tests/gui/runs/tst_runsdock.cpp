// Runs dock and sweeps in the GUI: every Train leaves a complete record (after a finish and after
// a stop), three runs of mlp-sine overlay as three curve sets with a legend entry each, the
// comparison CSV has its columns, reopening a run gives back its graph and final weights exactly,
// a 2x2 sweep from the sweep box leaves four records with the right settings grouped under one
// row with the best highlighted, cancel keeps the finished runs, rename/annotate/delete.
// STRATA_SCREENSHOT_RUNS=FILE.png saves the dock at 1366x768.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QComboBox>
#include <QListWidget>
#include <QAction>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QDockWidget>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "document/graphmodel.h"
#include "graph/model.h"
#include "guitestenv.h"
#include "io/safetensors.h"
#include "runs/runsdock.h"
#include "train/run_record.h"
#include "train/train_settings.h"
#include "training/sweeppanel.h"
#include "training/sweeprunner.h"
#include "training/trainingcharts.h"
#include "training/trainingcontroller.h"
#include "window/mainwindow.h"
#include "window/trainingworkbench.h"

using namespace strata;
using namespace strata::gui;

namespace {

void setTraining(GraphModel* model, const Json& overrides) {
  Json t = model->document().training;
  for (auto it = overrides.begin(); it != overrides.end(); ++it) t[it.key()] = it.value();
  model->setTrainingSettings(t);
}

QStringList dirsOf(const std::vector<RunInfo>& runs) {
  QStringList out;
  for (const RunInfo& r : runs) out << QString::fromStdString(r.dir);
  return out;
}

}  // namespace

class TstRunsDock final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { test::setUpEnvironment(); }
  void init();
  void cleanup();
  void everyRunLeavesARecord();
  void stopLeavesACompleteRecord();
  void threeRunsOverlayAsThreeCurveSets();
  void comparisonExportHasTheColumns();
  void reopeningARunReproducesGraphAndWeights();
  void sweepTwoByTwoGroupsWithBestHighlighted();
  void cancelKeepsFinishedRuns();
  void renameAnnotateDelete();
  void screenshot();

 private:
  // Trains once with these overrides and waits for the record to be complete.
  bool train(const Json& overrides);
  TrainingController* c() const { return m_bench->controller(); }
  RunsDock* dock() const { return m_bench->runs(); }

  QTemporaryDir* m_root = nullptr;
  MainWindow* m_window = nullptr;
  TrainingWorkbench* m_bench = nullptr;
};

void TstRunsDock::init() {
  m_root = new QTemporaryDir;
  QVERIFY(m_root->isValid());
  m_window = new MainWindow;
  m_bench = TrainingWorkbench::install(m_window);
  m_window->resize(1366, 768);
  // Each test its own runs folder: no test sees another's records.
  c()->setRunsRoot(m_root->path());
  QVERIFY(m_window->openFile(test::samplesDir() + QStringLiteral("/mlp-sine.strata")));
  QCOMPARE(dock()->runsDirectory(), m_root->path() + QStringLiteral("/mlp-sine.strata.runs"));
  QVERIFY(dock()->runs().empty());
}

void TstRunsDock::cleanup() {
  delete m_window;
  m_window = nullptr;
  delete m_root;
  m_root = nullptr;
}

bool TstRunsDock::train(const Json& overrides) {
  setTraining(m_window->model(), overrides);
  QSignalSpy recorded(c(), &TrainingController::runRecorded);
  if (!c()->start()) return false;
  return recorded.wait(30000);
}

void TstRunsDock::everyRunLeavesARecord() {
  QVERIFY(train({{"steps", 30}, {"val_every", 10}, {"seed", 5}}));
  QCOMPARE(dock()->runs().size(), size_t(1));
  const RunInfo& run = dock()->runs().front();
  QCOMPARE(QString::fromStdString(run.dir), c()->currentRecord());
  QCOMPARE(run.summary.ended, std::string("finished"));
  QCOMPARE(qint64(run.summary.steps), qint64(30));
  QCOMPARE(run.source, std::string("gui"));
  QCOMPARE(run.seed, uint64_t(5));
  QCOMPARE(run.graphFile, (test::samplesDir() + QStringLiteral("/mlp-sine.strata")).toStdString());
  QVERIFY(std::isfinite(run.summary.finalValLoss));
  auto log = readRunLog(run.logPath());
  QVERIFY(log);
  QCOMPARE(log->size(), size_t(30));
  for (const std::string& f : {run.graphPath(), run.bestWeightsPath(), run.lastWeightsPath()})
    QVERIFY2(std::filesystem::exists(f), f.c_str());
  // The table shows it, with the seed.
  QTreeWidgetItem* item = dock()->itemFor(QString::fromStdString(run.dir));
  QVERIFY(item);
  QCOMPARE(item->text(RunsDock::kSeed), QStringLiteral("5"));
  QCOMPARE(item->text(RunsDock::kEnded), QStringLiteral("finished"));
  QCOMPARE(item->text(RunsDock::kChanges), QStringLiteral("first run"));
}

void TstRunsDock::stopLeavesACompleteRecord() {
  setTraining(m_window->model(), {{"steps", 1000000}});
  QSignalSpy recorded(c(), &TrainingController::runRecorded);
  QVERIFY(c()->start());
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 20, 20000);
  // While it trains, its record says so.
  QTreeWidgetItem* live = dock()->itemFor(c()->currentRecord());
  QVERIFY(live);
  QCOMPARE(live->text(RunsDock::kEnded), QStringLiteral("running"));
  c()->stop();
  QVERIFY(recorded.wait(10000));
  QCOMPARE(dock()->runs().size(), size_t(1));
  const RunInfo& run = dock()->runs().front();
  QCOMPARE(run.summary.ended, std::string("stopped"));
  QCOMPARE(qint64(run.summary.steps), c()->currentStep());
  auto log = readRunLog(run.logPath());
  QVERIFY(log);
  QCOMPARE(static_cast<qint64>(log->size()), c()->currentStep());
  QVERIFY(std::filesystem::exists(run.lastWeightsPath()));
  QCOMPARE(dock()->itemFor(QString::fromStdString(run.dir))->text(RunsDock::kEnded),
           QStringLiteral("stopped"));
  // A record whose process died (no final summary) is not shown as running.
  {
    const GraphDocument doc = m_window->model()->document();
    auto settings = TrainSettings::merged(doc.training, Json::object());
    QVERIFY(settings);
    auto orphan = RunRecorder::create(dock()->runsDirectory().toStdString(), doc, *settings, {});
    QVERIFY(orphan);
    StepMetrics m;
    m.step = 1;
    m.loss = 0.5;
    QVERIFY((*orphan)->appendStep(m));
  }
  dock()->reload();
  QCOMPARE(dock()->runs().size(), size_t(2));
  QCOMPARE(dock()->runs().back().summary.ended, std::string("running"));
  QCOMPARE(dock()->itemFor(QString::fromStdString(dock()->runs().back().dir))
               ->text(RunsDock::kEnded),
           QStringLiteral("interrupted"));
}

void TstRunsDock::threeRunsOverlayAsThreeCurveSets() {
  QVERIFY(train({{"steps", 40}, {"val_every", 10}, {"lr", 0.003}}));
  QVERIFY(train({{"steps", 40}, {"val_every", 10}, {"lr", 0.001}}));
  QVERIFY(train({{"steps", 40}, {"val_every", 10}, {"lr", 0.003}}));
  const std::vector<RunInfo> runs = dock()->runs();
  QCOMPARE(runs.size(), size_t(3));
  QCOMPARE(runs[1].diff, std::string("lr 3e-3→1e-3"));
  QCOMPARE(runs[2].diff, std::string("lr 1e-3→3e-3"));
  // Same seed and settings: the same curve, step for step.
  auto a = readRunLog(runs[0].logPath()), b = readRunLog(runs[2].logPath());
  QVERIFY(a && b);
  QCOMPARE(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) QCOMPARE((*a)[i].loss, (*b)[i].loss);

  TrainingCharts* charts = m_bench->charts();
  QCOMPARE(charts->overlayCount(), 0);
  m_window->show();  // legend markers are visible only in a shown chart
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  dock()->selectRuns(dirsOf(runs));
  QTest::qWait(50);  // the legend lays its markers out on the next pass
  QCOMPARE(int(dock()->selectedRuns().size()), 3);
  QCOMPARE(charts->overlayCount(), 3);
  QChart* loss = charts->lossView()->chart();
  int legendEntries = 0;
  for (int i = 0; i < 3; ++i) {
    const QList<QLineSeries*> s = charts->overlaySeries(i);
    QCOMPARE(int(s.size()), 4);
    QCOMPARE(s[0]->name(), QString::fromStdString(runs[static_cast<size_t>(i)].name));
    QVERIFY(s[0]->count() > 10);   // training loss, decimated to the plot width at most
    QCOMPARE(s[1]->count(), 4);    // validation every 10 of 40 steps
    QVERIFY(loss->series().contains(s[0]));
    for (QLegendMarker* m : loss->legend()->markers(s[0])) legendEntries += m->isVisible();
    for (QLegendMarker* m : loss->legend()->markers(s[1])) legendEntries += m->isVisible();
  }
  QCOMPARE(legendEntries, 3);  // one per run: the dashed validation curve needs none
  // The table rows carry the curves' colours.
  for (int i = 0; i < 3; ++i) {
    const QIcon icon = dock()->itemFor(QString::fromStdString(runs[size_t(i)].dir))->icon(0);
    QVERIFY(!icon.isNull());
    QCOMPARE(icon.pixmap(12, 12).toImage().pixelColor(6, 6), charts->overlayColor(i));
  }
  // The colours tell the runs apart.
  QVERIFY(charts->overlaySeries(0)[0]->pen().color() != charts->overlaySeries(1)[0]->pen().color());
  // Fewer selected, fewer overlays; none selected, none.
  dock()->selectRuns({QString::fromStdString(runs[1].dir)});
  QCOMPARE(charts->overlayCount(), 1);
  dock()->selectRuns({});
  QCOMPARE(charts->overlayCount(), 0);
  QVERIFY(!loss->series().contains(charts->overlaySeries(0).value(0)));
}

void TstRunsDock::comparisonExportHasTheColumns() {
  QVERIFY(train({{"steps", 12}, {"val_every", 4}}));
  QVERIFY(train({{"steps", 8}, {"val_every", 4}, {"lr", 0.01}}));
  dock()->selectRuns(dirsOf(dock()->runs()));
  const QString csv = m_root->filePath(QStringLiteral("comparison.csv"));
  QVERIFY(dock()->exportComparisonCsv(csv));
  QFile f(csv);
  QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
  const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
  QCOMPARE(lines.first(),
           QStringLiteral("run,step,epoch,loss,val_loss,accuracy,val_accuracy,lr,samples_per_s"));
  QCOMPARE(int(lines.size()), 1 + 12 + 8);
  const QString first = QString::fromStdString(dock()->runs()[0].name);
  const QString second = QString::fromStdString(dock()->runs()[1].name);
  int valRows = 0;
  for (int i = 1; i < lines.size(); ++i) {
    const QStringList cells = lines[i].split(',');
    QCOMPARE(cells.size(), 9);
    QCOMPARE(cells[0], i <= 12 ? first : second);
    QCOMPARE(cells[1].toInt(), i <= 12 ? i : i - 12);
    QVERIFY(cells[3].toDouble() > 0);
    valRows += !cells[4].isEmpty();
    QCOMPARE(cells[7].toDouble(), i <= 12 ? 0.003 : 0.01);
  }
  QCOMPARE(valRows, 3 + 2);
  const QString png = m_root->filePath(QStringLiteral("comparison.png"));
  QVERIFY(dock()->exportComparisonPng(png));
  QImage image(png);
  QVERIFY(!image.isNull() && image.width() > 100 && image.height() > 50);
}

void TstRunsDock::reopeningARunReproducesGraphAndWeights() {
  QVERIFY(train({{"steps", 25}, {"val_every", 5}}));
  const std::string trainedGraph = m_window->model()->document().serialize();
  const std::vector<NamedTensor> trained = c()->currentWeights();
  QVERIFY(!trained.empty());
  // Something else on the canvas, and the document saved as a different file.
  QVERIFY(m_window->openFile(test::samplesDir() + QStringLiteral("/sine-rnn.strata")));
  const QString runsOfMlp = m_root->path() + QStringLiteral("/mlp-sine.strata.runs");
  dock()->setRunsDirectory(runsOfMlp);
  QCOMPARE(dock()->runs().size(), size_t(1));
  m_window->setSavePrompt([](const QString&) { return QMessageBox::Discard; });
  dock()->openRun(QString::fromStdString(dock()->runs().front().dir));

  QCOMPARE(m_window->model()->document().serialize(), trainedGraph);
  QVERIFY(m_window->currentFile().isEmpty());  // a new document: the record stays as trained
  QVERIFY(m_window->isModified());
  const std::vector<NamedTensor> reopened = c()->currentWeights();
  QCOMPARE(reopened.size(), trained.size());
  for (size_t i = 0; i < trained.size(); ++i) {
    QCOMPARE(reopened[i].name, trained[i].name);
    QVERIFY(reopened[i].tensor.shape() == trained[i].tensor.shape());
    QVERIFY(std::memcmp(reopened[i].tensor.f32(), trained[i].tensor.f32(),
                        static_cast<size_t>(trained[i].tensor.numel()) * sizeof(float)) == 0);
  }
  auto model = c()->inferenceModel();  // the playground can use it at once
  QVERIFY2(model, model.message().c_str());
}

void TstRunsDock::sweepTwoByTwoGroupsWithBestHighlighted() {
  setTraining(m_window->model(), {{"steps", 15}, {"val_every", 5}});
  SweepPanel* panel = m_bench->sweepPanel();
  panel->keyBox(0)->setCurrentText(QStringLiteral("lr"));
  panel->valuesEdit(0)->setText(QStringLiteral("1e-3, 3e-3"));
  panel->keyBox(1)->setCurrentText(QStringLiteral("fc1.out_features"));
  panel->valuesEdit(1)->setText(QStringLiteral("16, 32"));
  QVERIFY(panel->keyBox(1)->findText(QStringLiteral("fc1.out_features")) >= 0);
  QSignalSpy finished(m_bench->sweeps(), &SweepRunner::sweepFinished);
  QVERIFY(panel->runButton()->isEnabled());
  panel->runButton()->click();
  QVERIFY(m_bench->sweeps()->isRunning());
  QCOMPARE(panel->queueList()->count(), 4);
  QVERIFY(!panel->runButton()->isEnabled());
  QVERIFY(finished.wait(60000));
  QCOMPARE(finished.first().at(0).toInt(), 4);
  QCOMPARE(finished.first().at(1).toBool(), false);

  const std::vector<RunInfo> runs = dock()->runs();
  QCOMPARE(runs.size(), size_t(4));
  const double lrs[] = {1e-3, 1e-3, 3e-3, 3e-3};
  const int hidden[] = {16, 32, 16, 32};
  for (size_t i = 0; i < 4; ++i) {
    QCOMPARE(runs[i].settings.at("lr").get<double>(), lrs[i]);
    auto g = GraphDocument::load(runs[i].graphPath());
    QVERIFY(g);
    QCOMPARE(g->node("fc1")->params.at("out_features").get<int>(), hidden[i]);
    QCOMPARE(runs[i].sweep, runs[0].sweep);
    QCOMPARE(runs[i].summary.ended, std::string("finished"));
  }
  // The open document is untouched by the sweep's node params.
  QCOMPARE(m_window->model()->document().node("fc1")->params.at("out_features").get<int>(), 64);
  // One group row holding the four, the best of them highlighted.
  QTreeWidget* table = dock()->table();
  QCOMPARE(table->topLevelItemCount(), 1);
  QCOMPARE(table->topLevelItem(0)->childCount(), 4);
  const QStringList best = dock()->bestOfSweeps();
  QCOMPARE(int(best.size()), 1);
  double bestScore = INFINITY;
  QString bestDir;
  for (const RunInfo& r : runs)
    if (r.summary.finalValLoss < bestScore) {
      bestScore = r.summary.finalValLoss;
      bestDir = QString::fromStdString(r.dir);
    }
  QCOMPARE(best.first(), bestDir);
  QVERIFY(dock()->itemFor(bestDir)->font(RunsDock::kName).bold());
  for (const RunInfo& r : runs)
    if (QString::fromStdString(r.dir) != bestDir)
      QVERIFY(!dock()->itemFor(QString::fromStdString(r.dir))->font(RunsDock::kName).bold());
  // Selecting the group row overlays all four.
  table->clearSelection();
  table->topLevelItem(0)->setSelected(true);
  QCOMPARE(m_bench->charts()->overlayCount(), 4);
}

void TstRunsDock::cancelKeepsFinishedRuns() {
  setTraining(m_window->model(), {{"steps", 60}});
  SweepRunner* sweeps = m_bench->sweeps();
  QSignalSpy finished(sweeps, &SweepRunner::sweepFinished);
  QVERIFY(sweeps->start(QStringList{QStringLiteral("lr=1e-3,2e-3,3e-3")}));
  QVERIFY(c()->isTraining());
  sweeps->cancel();  // during the first run: it finishes, the other two never start
  QVERIFY(c()->isTraining());
  QVERIFY(finished.wait(30000));
  QCOMPARE(finished.first().at(0).toInt(), 1);
  QCOMPARE(finished.first().at(1).toBool(), true);
  QCOMPARE(sweeps->queue()[0].state, SweepRunner::PointState::Done);
  QCOMPARE(sweeps->queue()[1].state, SweepRunner::PointState::Cancelled);
  QCOMPARE(sweeps->queue()[2].state, SweepRunner::PointState::Cancelled);
  QTest::qWait(100);
  QVERIFY(!c()->isTraining());
  QCOMPARE(dock()->runs().size(), size_t(1));
  QCOMPARE(dock()->runs()[0].summary.ended, std::string("finished"));
  QCOMPARE(qint64(dock()->runs()[0].summary.steps), qint64(60));
  QCOMPARE(QString::fromStdString(dock()->runs()[0].dir), sweeps->queue()[0].record);
  // A bad axis runs nothing and says why.
  QSignalSpy errors(sweeps, &SweepRunner::errorOccurred);
  QVERIFY(!sweeps->start(QStringList{QStringLiteral("fc9.out_features=8,16")}));
  QCOMPARE(int(errors.size()), 1);
  QVERIFY2(errors.first().at(0).toString().contains(QStringLiteral("no node 'fc9'")),
           qPrintable(errors.first().at(0).toString()));
  QVERIFY(!sweeps->start(QStringList{QStringLiteral("batch=0")}));
  QVERIFY(sweeps->lastError().contains(QStringLiteral("batch=0")));
  QVERIFY(!c()->isTraining());
  QCOMPARE(dock()->runs().size(), size_t(1));
}

void TstRunsDock::renameAnnotateDelete() {
  QVERIFY(train({{"steps", 5}}));
  QVERIFY(train({{"steps", 6}}));
  const QString dir = QString::fromStdString(dock()->runs().front().dir);
  QVERIFY(dock()->renameRun(dir, QStringLiteral("baseline")));
  QVERIFY(dock()->annotateRun(dir, QStringLiteral("before the bigger layer")));
  QCOMPARE(dock()->itemFor(dir)->text(RunsDock::kName), QStringLiteral("baseline"));
  QCOMPARE(dock()->itemFor(dir)->text(RunsDock::kNote), QStringLiteral("before the bigger layer"));
  auto reread = loadRun(dir.toStdString());
  QVERIFY(reread);
  QCOMPARE(reread->name, std::string("baseline"));
  QVERIFY(!dock()->renameRun(dir, QStringLiteral("  ")));  // refused, said so
  QVERIFY(dock()->statusText().contains(QStringLiteral("cannot be empty")));
  // Sorting by a column reorders the rows: steps descending puts the 6-step run first.
  dock()->table()->sortByColumn(RunsDock::kSteps, Qt::DescendingOrder);
  QCOMPARE(dock()->table()->topLevelItem(0)->text(RunsDock::kSteps), QStringLiteral("6"));
  int asked = 0;
  dock()->setConfirm([&asked](const QString&) { return ++asked > 1; });
  dock()->selectRuns({dir});
  auto* del = dock()->findChild<QAction*>(QStringLiteral("deleteRuns"));
  QVERIFY(del && del->isEnabled());
  del->trigger();  // first answer: no
  QVERIFY(QDir(dir).exists());
  del->trigger();  // second: yes
  QCOMPARE(asked, 2);
  QVERIFY(!QDir(dir).exists());
  QCOMPARE(dock()->runs().size(), size_t(1));
  // Another runs folder: the setting is kept, the dock follows, the next run goes there.
  const QString other = m_root->filePath(QStringLiteral("elsewhere"));
  emit dock()->runsRootChosen(other);
  QCOMPARE(QSettings().value(QStringLiteral("runs/root")).toString(), other);
  QCOMPARE(dock()->runsDirectory(), other + QStringLiteral("/mlp-sine.strata.runs"));
  QVERIFY(dock()->runs().empty());
  QVERIFY(train({{"steps", 3}}));
  QCOMPARE(dock()->runs().size(), size_t(1));
  emit dock()->runsRootChosen(QString());
  QVERIFY(QSettings().value(QStringLiteral("runs/root")).toString().isEmpty());
}

void TstRunsDock::screenshot() {
  const QString out = qEnvironmentVariable("STRATA_SCREENSHOT_RUNS");
  if (out.isEmpty()) QSKIP("set STRATA_SCREENSHOT_RUNS=FILE.png to save a screenshot");
  m_window->fitToScreen(QRect(0, 0, 1366, 768));
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  QVERIFY(train({{"steps", 300}, {"val_every", 50}, {"lr", 0.003}}));
  QVERIFY(train({{"steps", 300}, {"val_every", 50}, {"lr", 0.001}}));
  setTraining(m_window->model(), {{"steps", 200}, {"val_every", 50}});
  QSignalSpy finished(m_bench->sweeps(), &SweepRunner::sweepFinished);
  QVERIFY(m_bench->sweeps()->start(
      QStringList{QStringLiteral("lr=3e-3,1e-2"), QStringLiteral("fc1.out_features=16,32")}));
  QVERIFY(finished.wait(60000));
  auto* runsDock = m_window->findChild<QDockWidget*>(QStringLiteral("runsDock"));
  QVERIFY(runsDock);
  runsDock->raise();
  const std::vector<RunInfo> runs = dock()->runs();
  dock()->selectRuns({QString::fromStdString(runs[0].dir), QString::fromStdString(runs[1].dir),
                      dock()->bestOfSweeps().value(0)});
  m_bench->charts()->refreshNow();
  QTest::qWait(300);
  QVERIFY(m_window->width() <= 1366 && m_window->height() <= 768);
  QVERIFY(m_window->grab().save(out));
}

QTEST_MAIN(TstRunsDock)
#include "tst_runsdock.moc"
