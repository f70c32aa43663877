// Training workbench: the controller on its worker thread, the charts it feeds, steering, the
// NaN guard, checkpoints, the settings round trip and the canvas overlay; plus an opt-in latency
// benchmark (STRATA_GUI_BENCH=1) that is not part of the ctest run.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backends/backend.h"
#include "canvas/gradientoverlayitem.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "guitestenv.h"
#include "training/inferenceplayground.h"
#include "window/mainwindow.h"
#include "training/trainingcharts.h"
#include "training/trainingcontroller.h"
#include "training/trainingpanel.h"
#include "window/trainingworkbench.h"

using namespace strata;
using namespace strata::gui;

namespace {

// Overrides some "training" keys of the open document (as the panel would, without the undo
// stack: the tests that need undo go through the panel).
void setTraining(GraphModel* model, const Json& overrides) {
  Json t = model->document().training;
  for (auto it = overrides.begin(); it != overrides.end(); ++it) t[it.key()] = it.value();
  model->setTrainingSettings(t);
}

bool waitFinished(QSignalSpy& spy, int ms = 60000) { return !spy.isEmpty() || spy.wait(ms); }

// `steps` metrics of a run whose loss decays from 3.82 to 0.39 (the char-LSTM sample's curve).
std::vector<StepMetrics> decayingRun(int steps) {
  std::vector<StepMetrics> batch;
  for (int i = 1; i <= steps; ++i) {
    StepMetrics m;
    m.step = i;
    m.loss = 0.39 + 3.43 * std::exp(-i / 150.0);
    m.lr = 0.003;
    m.samplesPerSec = 5000;
    batch.push_back(m);
  }
  return batch;
}

}  // namespace

class TstTraining final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void init();
  void cleanup();
  void trainUpdatesCharts();
  void keyboardTrainsWithoutUndoEntry();
  void pauseStopsSteps();
  void stopWithin200ms();
  void steeringAddsMarkers();
  void nanGuardNamesStepAndNode();
  void checkpointResumesAtStep();
  void settingsRoundTrip_data();
  void settingsRoundTrip();
  void cudaIsGreyedOut();
  void decimationKeepsExtremes();
  void chartAxesUseNiceTicks();
  void chartTicksFitTheirHeight();
  void refusesARunTooBigForTheMemory();
  void chartsOwnTheirAxesAndTitles();
  void exportsCsvAndPng();
  void playgroundGeneratesText();
  void benchLatency();
  void screenshot();

 private:
  MainWindow* m_window = nullptr;
  TrainingWorkbench* m_bench = nullptr;
  TrainingController* c() const { return m_bench->controller(); }
};

void TstTraining::initTestCase() { test::setUpEnvironment(); }

void TstTraining::init() {
  m_window = new MainWindow;
  m_bench = TrainingWorkbench::install(m_window);
  m_window->resize(1600, 1000);
  QVERIFY(m_window->openFile(test::samplesDir() + QStringLiteral("/mlp-sine.strata")));
}

void TstTraining::cleanup() {
  delete m_window;  // stops a run still going: the controller's destructor joins its thread
  m_window = nullptr;
}

void TstTraining::trainUpdatesCharts() {
  setTraining(m_window->model(), {{"steps", 300}, {"val_every", 100}});
  QSignalSpy done(c(), &TrainingController::finished);
  QSignalSpy batches(c(), &TrainingController::metricsArrived);
  QSignalSpy norms(c(), &TrainingController::gradNormsChanged);
  QVERIFY(c()->start());
  QVERIFY(c()->isTraining());
  QVERIFY(waitFinished(done));
  QCOMPARE(done.first().at(0).toInt(), 0);
  QCOMPARE(c()->currentStep(), 300);
  TrainingCharts* charts = m_bench->charts();
  QCOMPARE(charts->stepCount(), 300);
  QCOMPARE(charts->validationCount(), 3);
  charts->refreshNow();
  QVERIFY(charts->lossSeries()->count() > 50);
  QVERIFY(charts->smoothedLossSeries()->count() > 50);
  // Batched: far fewer signals than steps.
  QVERIFY2(batches.count() < 300, qPrintable(QString::number(batches.count())));
  // The loss came down and the overlay got per-node gradient norms for the Linear layers.
  const QPointF first = charts->lossSeries()->points().constFirst();
  QVERIFY(first.y() > charts->smoothedLossSeries()->points().constLast().y());
  QVERIFY(!norms.isEmpty());
  QVERIFY(m_bench->overlay()->norms().count("fc1") == 1);
  QVERIFY(m_bench->overlay()->norms().count("fc2") == 1);
  // The playground plots validation windows with the final weights.
  QVERIFY(m_bench->playground()->refreshSeries() > 0);
  QVERIFY(m_bench->playground()->statusText().contains(QStringLiteral("MSE")));
  QVERIFY(!c()->isTraining());
}

// F5 trains (Training menu), Shift+F5 stops; a Train with the settings unchanged is not an edit
// of the document: no undo entry, and the file stays clean.
void TstTraining::keyboardTrainsWithoutUndoEntry() {
  m_window->show();
  QVERIFY(QTest::qWaitForWindowActive(m_window));
  GraphModel* model = m_window->model();
  setTraining(model, {{"steps", 100000}});
  model->undoStack()->clear();
  model->undoStack()->setClean();
  QAction* train = m_window->findChild<QAction*>(QStringLiteral("train"));
  QAction* stop = m_window->findChild<QAction*>(QStringLiteral("stopTraining"));
  QVERIFY(train && stop);
  QVERIFY(train->isEnabled());
  QVERIFY(!stop->isEnabled());
  QSignalSpy done(c(), &TrainingController::finished);
  QTest::keyClick(m_window, Qt::Key_F5);
  QTRY_VERIFY(c()->isTraining());
  QVERIFY(!train->isEnabled());
  QVERIFY(stop->isEnabled());
  QCOMPARE(model->undoStack()->count(), 0);
  QVERIFY(model->undoStack()->isClean());
  QTest::keyClick(m_window, Qt::Key_F5, Qt::ShiftModifier);
  QVERIFY(waitFinished(done, 5000));
  QCOMPARE(done.first().at(0).toInt(), 1);  // stopped
  QVERIFY(train->isEnabled());
  // A changed setting is one undoable edit, written when Train is pressed.
  m_bench->panel()->lrBox()->blockSignals(true);
  m_bench->panel()->lrBox()->setValue(0.0042);
  m_bench->panel()->lrBox()->blockSignals(false);
  m_bench->panel()->writeSettings();
  QCOMPARE(model->undoStack()->count(), 1);
  QCOMPARE(model->document().training["lr"].get<double>(), 0.0042);
}

void TstTraining::pauseStopsSteps() {
  setTraining(m_window->model(), {{"steps", 1000000}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 20, 10000);
  c()->pause();
  QCOMPARE(c()->state(), TrainingController::State::Paused);
  QTest::qWait(150);  // the step in flight completes
  const qint64 paused = c()->currentStep();
  QTest::qWait(400);
  QCOMPARE(c()->currentStep(), paused);
  c()->resume();
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > paused + 10, 10000);
  c()->stop();
  QVERIFY(waitFinished(done, 5000));
  QCOMPARE(done.first().at(0).toInt(), 1);
}

void TstTraining::stopWithin200ms() {
  setTraining(m_window->model(), {{"steps", 1000000}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 50, 10000);
  QElapsedTimer clock;
  clock.start();
  c()->stop();
  QVERIFY(waitFinished(done, 2000));
  const qint64 ms = clock.elapsed();
  qInfo("stop -> finished: %lld ms", static_cast<long long>(ms));
  QVERIFY2(ms < 200, qPrintable(QString::number(ms)));
  QVERIFY(!c()->isTraining());
}

void TstTraining::steeringAddsMarkers() {
  setTraining(m_window->model(), {{"steps", 1000000}});
  QSignalSpy done(c(), &TrainingController::finished);
  QSignalSpy markers(c(), &TrainingController::markerAdded);
  QVERIFY(c()->start());
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 10, 10000);
  c()->pause();
  QTest::qWait(100);
  QVERIFY(c()->setLearningRate(1e-4));
  QVERIFY(c()->setNodeFrozen(QStringLiteral("fc1"), true));
  QVERIFY(!c()->setNodeFrozen(QStringLiteral("act"), true));  // owns no parameters
  QCOMPARE(markers.count(), 2);
  QCOMPARE(markers.at(0).at(1).toString(), QStringLiteral("lr 0.0001"));
  QCOMPARE(markers.at(1).at(1).toString(), QStringLiteral("freeze fc1"));
  QCOMPARE(markers.at(0).at(0).toLongLong(), c()->currentStep());
  c()->resume();
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > markers.at(0).at(0).toLongLong() + 5, 10000);
  c()->stop();
  QVERIFY(waitFinished(done, 5000));
}

void TstTraining::nanGuardNamesStepAndNode() {
  setTraining(m_window->model(), {{"steps", 200}, {"optimizer", "sgd"}, {"lr", 1e30}});
  QSignalSpy done(c(), &TrainingController::finished);
  QSignalSpy failed(c(), &TrainingController::trainingFailed);
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  QCOMPARE(done.first().at(0).toInt(), 2);
  QCOMPARE(failed.count(), 1);
  const QString msg = failed.first().at(0).toString();
  QVERIFY2(QRegularExpression(QStringLiteral("^step \\d+: ")).match(msg).hasMatch(),
           qPrintable(msg));
  QVERIFY2(msg.contains(QStringLiteral("fc1.")) || msg.contains(QStringLiteral("fc2.")),
           qPrintable(msg));
  QVERIFY(m_bench->panel()->messageText().contains(QStringLiteral("NaN/Inf guard")));
}

void TstTraining::checkpointResumesAtStep() {
  QTemporaryDir dir;
  const QString ckpt = dir.filePath(QStringLiteral("last.safetensors"));
  setTraining(m_window->model(), {{"steps", 40}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  QVERIFY(c()->saveLast(ckpt));
  QVERIFY(c()->saveBest(dir.filePath(QStringLiteral("best.safetensors"))));
  QVERIFY(QFile::exists(ckpt));

  setTraining(m_window->model(), {{"steps", 60}});
  c()->setResumeCheckpoint(ckpt);
  QSignalSpy batches(c(), &TrainingController::metricsArrived);
  done.clear();
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  QVERIFY(!batches.isEmpty());
  const auto firstBatch = batches.first().at(0).value<std::vector<StepMetrics>>();
  QVERIFY(!firstBatch.empty());
  QCOMPARE(firstBatch.front().step, 41);
  QCOMPARE(c()->currentStep(), 60);
  QCOMPARE(m_bench->charts()->stepCount(), 20);

  // Loading weights gives the inference views a model even without a run.
  QVERIFY(c()->loadWeights(ckpt));
  auto model = c()->inferenceModel();
  QVERIFY2(model.isOk(), model.message().c_str());
}

void TstTraining::settingsRoundTrip_data() {
  QTest::addColumn<QString>("key");
  QTest::addColumn<double>("value");
  QTest::newRow("lr") << "lr" << 0.0125;
  QTest::newRow("val_split") << "val_split" << 0.25;
  QTest::newRow("clip") << "clip_grad_norm" << 1.5;
}

void TstTraining::settingsRoundTrip() {
  QFETCH(QString, key);
  QFETCH(double, value);
  TrainingPanel* panel = m_bench->panel();
  GraphModel* model = m_window->model();
  const Json before = model->document().training;
  // Editors -> document, as one undoable command.
  QDoubleSpinBox* box = nullptr;
  for (QDoubleSpinBox* b : panel->findChildren<QDoubleSpinBox*>())
    if (key == QLatin1String("lr") && b == panel->lrBox()) box = b;
  if (key == QLatin1String("lr")) {
    box->setValue(value);
  } else {
    Json j = before;
    j[key.toStdString()] = value;
    model->setTrainingSettings(j);  // document -> editors
    QCOMPARE(panel->editorSettings()[key.toStdString()].get<double>(), value);
    model->setTrainingSettings(before);
    panel->readSettings();
    j = panel->editorSettings();
    j[key.toStdString()] = value;
    // Through the panel's writer: set the matching editor via the document and write back.
    model->setTrainingSettings(j);
    panel->writeSettings();
  }
  QCOMPARE(model->document().training[key.toStdString()].get<double>(), value);
  // The stored object parses back into engine settings.
  auto parsed = TrainSettings::fromJson(model->document().training);
  QVERIFY2(parsed.isOk(), parsed.message().c_str());
  if (key == QLatin1String("lr")) {
    QCOMPARE(parsed->lr, value);
    QVERIFY(model->undoStack()->canUndo());
    model->undoStack()->undo();
    QCOMPARE(model->document().training, before);
    QCOMPARE(panel->lrBox()->value(), before["lr"].get<double>());
    model->undoStack()->redo();
    QCOMPARE(panel->lrBox()->value(), value);
  }
  // Saving and loading the file keeps it.
  QTemporaryDir dir;
  const std::string path = dir.filePath(QStringLiteral("g.strata")).toStdString();
  QVERIFY(model->document().save(path));
  auto reloaded = GraphDocument::load(path);
  QVERIFY(reloaded.isOk());
  QCOMPARE(reloaded->training[key.toStdString()].get<double>(), value);
}

void TstTraining::cudaIsGreyedOut() {
  // Without a GPU (or a CUDA build) the CUDA entry is greyed with the reason; with GPUs each is
  // listed by name and memory and can be chosen.
  QComboBox* device = m_bench->panel()->deviceBox();
  auto* items = qobject_cast<QStandardItemModel*>(device->model());
  QVERIFY(items);
  QVERIFY(items->item(0)->isEnabled());
  const DeviceList gpus = cudaDevices();
  if (gpus.devices.empty()) {
    QCOMPARE(device->count(), 2);
    QVERIFY(!items->item(1)->isEnabled());
    QVERIFY(!gpus.reason.empty());
    QCOMPARE(device->itemData(1, Qt::ToolTipRole).toString(),
             QString::fromStdString(gpus.reason));
  } else {
    QCOMPARE(device->count(), 1 + static_cast<int>(gpus.devices.size()));
    for (int i = 1; i < device->count(); ++i) {
      QVERIFY(items->item(i)->isEnabled());
      QVERIFY(device->itemText(i).contains(
          QString::fromStdString(gpus.devices[static_cast<size_t>(i - 1)].name)));
    }
  }
  QVERIFY(!m_bench->panel()->previewText().isEmpty());
  QVERIFY(m_bench->panel()->previewText().contains(QStringLiteral("samples")));
}

void TstTraining::decimationKeepsExtremes() {
  // 100 000 steps with one spike: all kept, drawn as a few hundred points with the spike.
  std::vector<StepMetrics> batch(100000);
  for (int i = 0; i < 100000; ++i) {
    batch[i].step = i + 1;
    batch[i].loss = i == 54321 ? 50.0 : 1.0 / (1 + i * 0.001);
    batch[i].lr = 1e-3;
    batch[i].samplesPerSec = 1000;
  }
  TrainingCharts* charts = m_bench->charts();
  charts->clear();
  QElapsedTimer clock;
  clock.start();
  charts->appendMetrics(batch);
  charts->refreshNow();
  const qint64 ms = clock.elapsed();
  qInfo("append + redraw of 100000 steps: %lld ms", static_cast<long long>(ms));
  QCOMPARE(charts->stepCount(), 100000);
  const QList<QPointF> pts = charts->lossSeries()->points();
  QVERIFY(pts.size() < 5000);
  QVERIFY(std::any_of(pts.begin(), pts.end(), [](QPointF p) { return p.y() == 50.0; }));
  QVERIFY(ms < 500);
}

// Issue 17's axes: loss 0..3.82 and lr 0..0.00315 used to print 3.82027, 2.8652, ... and
// 0.00315, 0.0023625, ...; the step axis before training printed "0 0 1 1 1".
void TstTraining::chartAxesUseNiceTicks() {
  TrainingCharts charts;
  charts.resize(900, 500);
  charts.refreshNow();  // no run yet
  QCOMPARE(charts.lossStepAxis()->tickType(), QValueAxis::TicksDynamic);
  QCOMPARE(charts.lossStepAxis()->tickInterval(), 1.0);
  QCOMPARE(charts.lossStepAxis()->labelFormat(), QStringLiteral("%.0f"));

  std::vector<StepMetrics> batch = decayingRun(1000);
  batch.front().loss = 3.638;  // with the 5 % the old code added: 3.82
  batch[1].lr = 0.00315;
  charts.appendMetrics(batch);
  charts.refreshNow();
  QValueAxis* loss = charts.lossValueAxis();
  QCOMPARE(loss->tickInterval(), 1.0);
  QCOMPARE(loss->labelFormat(), QStringLiteral("%.0f"));
  QVERIFY(std::abs(loss->min()) < 1e-5 && std::abs(loss->max() - 4) < 1e-5);
  QValueAxis* lr = charts.lrValueAxis();
  QCOMPARE(lr->tickInterval(), 0.001);
  QCOMPARE(lr->labelFormat(), QStringLiteral("%.3f"));
  QVERIFY(std::abs(lr->max() - 0.004) < 1e-8);
  QValueAxis* step = charts.lossStepAxis();
  QCOMPARE(step->tickInterval(), 200.0);  // 200, 400, ... 1000: whole steps
  QCOMPARE(step->tickAnchor(), 200.0);
  QCOMPARE(step->min(), 1.0 - 200 * 1e-6);

  charts.setLogScale(true);  // whole decades around 0.39 .. 3.64
  QCOMPARE(charts.lossLogAxis()->min(), 0.1);
  QCOMPARE(charts.lossLogAxis()->max(), 10.0);
}

// Limits before allocation, in the GUI as in the CLI: with less free memory than the run needs,
// Train says so (the estimate and the limit) and nothing starts; the graph stays as it was.
void TstTraining::refusesARunTooBigForTheMemory() {
  TrainingController* c = m_bench->controller();
  QSignalSpy errors(c, &TrainingController::errorOccurred);
  qputenv("STRATA_MEMORY_LIMIT", "4096");
  const bool started = c->start();
  qunsetenv("STRATA_MEMORY_LIMIT");
  QVERIFY(!started);
  QVERIFY(!c->isTraining());
  QCOMPARE(errors.count(), 1);
  const QString message = errors.first().first().toString();
  QVERIFY2(message.contains(QStringLiteral("training needs about")) &&
               message.contains(QStringLiteral("free")),
           qPrintable(message));
  QVERIFY(m_window->model()->undoStack()->isClean());
  QVERIFY(c->start());  // with the machine's real free memory it trains
  c->stop();
  QTRY_VERIFY_WITH_TIMEOUT(!c->isTraining(), 10000);
}

// On a 768-px screen the charts dock is a short row: the value axes get only as many ticks as
// their plot's height has room for (labels ~28 px apart at least), a tall chart more of them.
void TstTraining::chartTicksFitTheirHeight() {
  const std::vector<StepMetrics> batch = decayingRun(500);
  auto ticksAt = [&](QSize size, double* spacingPx) {
    TrainingCharts charts;
    charts.resize(size);
    charts.show();
    if (!QTest::qWaitForWindowExposed(&charts)) return -1;
    charts.appendMetrics(batch);
    charts.refreshNow();
    QCoreApplication::processEvents();
    charts.refreshNow();  // with the plot area the first layout gave
    const QValueAxis* axis = charts.lossValueAxis();
    const int ticks = static_cast<int>(std::floor((axis->max() - axis->min()) /
                                                  axis->tickInterval() + 1e-6)) + 1;
    *spacingPx = charts.lossView()->chart()->plotArea().height() / std::max(1, ticks - 1);
    return ticks;
  };
  double shortSpacing = 0, tallSpacing = 0;
  const int shortTicks = ticksAt(QSize(1000, 140), &shortSpacing);
  const int tallTicks = ticksAt(QSize(1000, 900), &tallSpacing);
  qInfo("short chart: %d ticks %.0f px apart; tall: %d ticks %.0f px apart", shortTicks,
        shortSpacing, tallTicks, tallSpacing);
  QVERIFY(shortTicks >= 2);
  QVERIFY2(shortSpacing >= 24, qPrintable(QString::number(shortSpacing)));
  QVERIFY(tallTicks > shortTicks);
}

// The loss axis not in use stays owned (not leaked) through log-scale toggles; before any run
// the accuracy chart claims nothing about the task.
void TstTraining::chartsOwnTheirAxesAndTitles() {
  TrainingCharts* charts = m_bench->charts();
  charts->refreshNow();
  QCOMPARE(charts->accuracyChart()->title(), QStringLiteral("Accuracy"));
  auto axesOwned = [charts] {
    int owned = 0;
    for (QAbstractAxis* a : charts->findChildren<QAbstractAxis*>()) owned += a != nullptr;
    return owned;
  };
  // The chart holds the axis in use; the widget holds exactly the other one.
  QCOMPARE(axesOwned(), 1);
  for (bool on : {true, false, true, false}) {
    charts->setLogScale(on);
    QCOMPARE(axesOwned(), 1);
  }
  setTraining(m_window->model(), {{"steps", 20}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  charts->refreshNow();
  QVERIFY(charts->accuracyChart()->title().contains(QStringLiteral("regression")));
}

void TstTraining::exportsCsvAndPng() {
  setTraining(m_window->model(), {{"steps", 30}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  QTemporaryDir dir;
  const QString csv = dir.filePath(QStringLiteral("m.csv"));
  QVERIFY(m_bench->charts()->exportCsv(csv));
  QFile f(csv);
  QVERIFY(f.open(QIODevice::ReadOnly));
  const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), 31);
  QVERIFY(lines.first().startsWith(QStringLiteral("step,loss,")));
  QVERIFY(lines.at(1).startsWith(QStringLiteral("1,")));
  const QString png = dir.filePath(QStringLiteral("c.png"));
  QVERIFY(m_bench->charts()->exportPng(png));
  QVERIFY(QImage(png).width() > 10);
}

void TstTraining::playgroundGeneratesText() {
  // A character LM trained for a few steps: the playground continues a prompt with characters of
  // the corpus vocabulary, greedy at temperature 0 and reproducible for a seed.
  QVERIFY(m_window->openFile(test::samplesDir() + QStringLiteral("/char-lstm.strata")));
  setTraining(m_window->model(), {{"steps", 15}, {"seq_len", 24}, {"batch", 8}});
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QVERIFY(waitFinished(done));
  InferencePlayground* play = m_bench->playground();
  const QString greedy = play->generate(QStringLiteral("The "), 20, 0.0, 1);
  QCOMPARE(greedy.size(), 20);
  QCOMPARE(play->generate(QStringLiteral("The "), 20, 0.0, 2), greedy);  // seed-free when greedy
  const QString hot = play->generate(QStringLiteral("The "), 30, 1.0, 7);
  QCOMPARE(hot.size(), 30);
  QCOMPARE(play->generate(QStringLiteral("The "), 30, 1.0, 7), hot);
  QFile file(test::samplesDir() + QStringLiteral("/data/corpus.txt"));
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QString corpus = QString::fromUtf8(file.readAll());
  for (const QChar ch : hot) QVERIFY2(corpus.contains(ch), qPrintable(QString(ch)));
}

// Not a ctest check: STRATA_GUI_BENCH=1 runs it. Trains the W3-sized char LSTM with the
// workbench open and probes the GUI thread with a 5 ms timer; prints p50/p99/max latency and
// the training steps/s. Compare with `strata-cli bench tests/gui/data/char-lstm-w3.strata`.
void TstTraining::benchLatency() {
  if (qEnvironmentVariable("STRATA_GUI_BENCH") != QLatin1String("1"))
    QSKIP("set STRATA_GUI_BENCH=1 to run the GUI latency benchmark");
  const QString graph = test::dataFile(QStringLiteral("char-lstm-w3.strata"));
  QVERIFY(m_window->openFile(graph));
  const int steps = qEnvironmentVariableIntValue("STRATA_GUI_BENCH_STEPS") > 0
                        ? qEnvironmentVariableIntValue("STRATA_GUI_BENCH_STEPS")
                        : 40;
  setTraining(m_window->model(), {{"steps", steps}, {"val_split", 0.0}});
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  QSignalSpy done(c(), &TrainingController::finished);
  std::vector<double> lateness;
  QElapsedTimer probeClock;
  QTimer probe;
  probe.setTimerType(Qt::PreciseTimer);
  probe.setInterval(5);
  qint64 expected = 0;
  connect(&probe, &QTimer::timeout, this, [&] {
    const qint64 now = probeClock.nsecsElapsed();
    if (expected > 0) lateness.push_back(std::max<qint64>(0, now - expected) / 1e6);
    expected = now + 5'000'000;
  });
  QVERIFY(c()->start());
  QElapsedTimer wall;
  wall.start();
  probeClock.start();
  probe.start();
  QVERIFY(waitFinished(done, 600000));
  probe.stop();
  const double seconds = wall.elapsed() / 1000.0;
  QVERIFY(!lateness.empty());
  std::sort(lateness.begin(), lateness.end());
  auto pct = [&](double p) {
    return lateness[std::min(lateness.size() - 1, static_cast<size_t>(p * lateness.size()))];
  };
  std::printf("GUI bench: %d steps in %.2f s = %.2f steps/s with the GUI open\n", steps, seconds,
              steps / seconds);
  std::printf("GUI bench: event-loop lateness over %zu probes: p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms\n",
              lateness.size(), pct(0.5), pct(0.99), lateness.back());
  std::fflush(stdout);
  QVERIFY(pct(0.99) < 50);
}

// Not a ctest check: STRATA_SCREENSHOT=FILE.png saves the workbench mid-training (the README's
// picture): charts with a steering marker, the gradient overlay and the playground.
void TstTraining::screenshot() {
  const QString out = qEnvironmentVariable("STRATA_SCREENSHOT");
  if (out.isEmpty()) QSKIP("set STRATA_SCREENSHOT=FILE.png to save a screenshot");
  setTraining(m_window->model(), {{"steps", 2000}, {"val_every", 150}, {"lr", 0.003}});
  m_window->resize(1600, 1000);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  QSignalSpy done(c(), &TrainingController::finished);
  QVERIFY(c()->start());
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 500, 20000);
  c()->pause();
  QTest::qWait(100);
  QVERIFY(c()->setLearningRate(0.0005));
  c()->resume();
  QTRY_VERIFY_WITH_TIMEOUT(c()->currentStep() > 900, 20000);
  c()->pause();
  QTest::qWait(1200);  // the overlay, the charts and the playground catch up
  m_bench->playground()->refreshSeries();
  m_bench->charts()->refreshNow();
  QTest::qWait(200);
  QVERIFY(m_window->grab().save(out));
  c()->stop();
  QVERIFY(waitFinished(done, 5000));
}

QTEST_MAIN(TstTraining)
#include "tst_training.moc"
