// No lost work (issue 16): the GUI is killed with SIGKILL in the middle of editing and in the
// middle of training, then started again. This executable is both sides: run with
// STRATA_KILL_CHILD=edit|train it is the "user's" process (a real MainWindow with the training
// workbench, editing or training with the product's own timers), otherwise it is the Qt Test
// suite that starts that process, kills it and checks what a restart recovers.
//   editing:  bursts of five structural edits 100 ms apart with 1.5 s pauses; the kill lands in
//             a burst. The restart offers the recovery file; it holds every edit up to the last
//             pause (at most the last second of edits is lost, far under the 30 s allowed).
//   training: a run with checkpoints every 0.5 s; the kill lands mid-run. The record's
//             last.safetensors is whole, names its step, and a restart resumes from it at that
//             step (the resumed run's first logged step is the next one).
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <QUndoStack>
#include <QtTest>

#include <cstdio>

#include "document/autosavemanager.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "graph/document.h"
#include "guitestenv.h"
#include "io/safetensors.h"
#include "train/run_record.h"
#include "training/trainingcontroller.h"
#include "window/mainwindow.h"
#include "window/trainingworkbench.h"

using namespace strata;
using namespace strata::gui;

namespace {

constexpr char kChildMode[] = "STRATA_KILL_CHILD";
constexpr char kChildGraph[] = "STRATA_KILL_GRAPH";

void say(const QString& line) {
  std::printf("%s\n", qPrintable(line));
  std::fflush(stdout);
}

int nodeCount(const MainWindow& w) {
  return static_cast<int>(w.model()->document().nodes.size());
}

// The "user's" process. Never returns normally: it is killed.
int runChild(const QString& mode, const QString& graph) {
  MainWindow w;
  TrainingWorkbench* bench = TrainingWorkbench::install(&w);
  w.show();
  if (!w.openFile(graph)) {
    say(QStringLiteral("error cannot open ") + graph);
    return 2;
  }
  QObject::connect(w.autosave(), &AutosaveManager::autosaved, &w,
                   [&w] { say(QStringLiteral("autosaved %1").arg(nodeCount(w))); });
  if (mode == QLatin1String("edit")) {
    auto* timer = new QTimer(&w);
    // The count lives in the lambda: this block's locals are gone when the timer fires.
    QObject::connect(timer, &QTimer::timeout, &w, [&w, tick = 0]() mutable {
      // Ticks 0-4 edit, 5-19 pause: five edits 100 ms apart, then 1.5 s of quiet.
      if (tick++ % 20 < 5) {
        w.editor()->addNode("Linear", QPointF(40.0 * tick, 400));
        say(QStringLiteral("edited %1").arg(nodeCount(w)));
      }
    });
    timer->start(100);
  } else {
    TrainingController* c = bench->controller();
    c->setCheckpointSeconds(0.5);
    QObject::connect(c, &TrainingController::metricsArrived, &w,
                     [](const std::vector<StepMetrics>& batch) {
                       if (!batch.empty()) say(QStringLiteral("step %1").arg(batch.back().step));
                     });
    if (!c->start()) {
      say(QStringLiteral("error ") + c->lastMessage());
      return 2;
    }
    say(QStringLiteral("record ") + c->currentRecord());
  }
  return QApplication::exec();
}

// Lines the child printed so far, by their first word.
struct ChildLog {
  QStringList lines;
  QString last(const QString& word) const {
    for (qsizetype i = lines.size() - 1; i >= 0; --i)
      if (lines[i].startsWith(word + QLatin1Char(' '))) return lines[i].mid(word.size() + 1);
    return {};
  }
  int count(const QString& word) const {
    int n = 0;
    for (const QString& l : lines) n += l.startsWith(word + QLatin1Char(' '));
    return n;
  }
};

class Child {
 public:
  Child(const QString& mode, const QString& graph) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QLatin1String(kChildMode), mode);
    env.insert(QLatin1String(kChildGraph), graph);
    m_process.setProcessEnvironment(env);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.start(QCoreApplication::applicationFilePath(), {});
  }
  ~Child() {
    if (m_process.state() != QProcess::NotRunning) {
      m_process.kill();
      m_process.waitForFinished(5000);
    }
  }
  // Reads until `done` holds or `ms` pass; false on a timeout or when the child died.
  template <typename Pred>
  bool waitFor(Pred done, int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
      m_process.waitForReadyRead(50);
      while (m_process.canReadLine())
        m_log.lines << QString::fromUtf8(m_process.readLine()).trimmed();
      if (done(m_log)) return true;
      if (m_process.state() == QProcess::NotRunning) return false;
    }
    return false;
  }
  // SIGKILL, as the out-of-memory killer or a power button would; then what it printed.
  void killHard() {
    m_process.kill();  // SIGKILL on Unix
    QVERIFY(m_process.waitForFinished(5000));
    QCOMPARE(m_process.exitStatus(), QProcess::CrashExit);
    m_log.lines << QString::fromUtf8(m_process.readAll()).split(QLatin1Char('\n'),
                                                                 Qt::SkipEmptyParts);
  }
  const ChildLog& log() const { return m_log; }

 private:
  QProcess m_process;
  ChildLog m_log;
};

}  // namespace

class TstKillRecovery final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { test::setUpEnvironment(); }
  void killedWhileEditing();
  void killedWhileTraining();
};

void TstKillRecovery::killedWhileEditing() {
  QTemporaryDir dir;
  const QString graph = dir.filePath(QStringLiteral("my-model.strata"));
  QVERIFY(QFile::copy(test::samplesDir() + QStringLiteral("/sine-rnn.strata"), graph));
  QFile::remove(AutosaveManager::recoveryPath());
  int before = 0;
  {
    auto doc = GraphDocument::load(graph.toStdString());
    QVERIFY(doc);
    before = static_cast<int>(doc->nodes.size());
  }
  Child child(QStringLiteral("edit"), graph);
  // Two pauses autosaved, then into the third burst: two edits made since the last save.
  const bool reached = child.waitFor(
      [](const ChildLog& log) {
        if (log.count(QStringLiteral("autosaved")) < 2) return false;
        const int saved = log.last(QStringLiteral("autosaved")).toInt();
        return log.last(QStringLiteral("edited")).toInt() >= saved + 2;
      },
      20000);
  QVERIFY2(reached, qPrintable(child.log().lines.join(QLatin1Char('\n'))));
  child.killHard();
  const int saved = child.log().last(QStringLiteral("autosaved")).toInt();
  const int edited = child.log().last(QStringLiteral("edited")).toInt();
  QVERIFY(saved >= before + 10);  // two bursts of five

  // The restart: the file on disk is as the user last saved it; the recovery is offered and
  // holds every edit up to the last pause.
  auto onDisk = GraphDocument::load(graph.toStdString());
  QVERIFY(onDisk);
  QCOMPARE(static_cast<int>(onDisk->nodes.size()), before);
  QVERIFY(AutosaveManager::hasRecovery());
  QCOMPARE(AutosaveManager::recoveredFromPath(), QFileInfo(graph).absoluteFilePath());
  MainWindow restarted;
  QVERIFY(restarted.recoverAutosave());
  const int recovered = nodeCount(restarted);
  QCOMPARE(recovered, saved);
  QVERIFY2(edited - recovered <= 5,  // at most the burst in progress: under a second of edits
           qPrintable(QStringLiteral("edited %1, recovered %2").arg(edited).arg(recovered)));
  QVERIFY(!restarted.model()->undoStack()->isClean());  // recovered work is still unsaved
}

void TstKillRecovery::killedWhileTraining() {
  QTemporaryDir dir;
  const QString graph = dir.filePath(QStringLiteral("long-run.strata"));
  {
    auto doc = GraphDocument::load((test::samplesDir() + QStringLiteral("/sine-rnn.strata"))
                                       .toStdString());
    QVERIFY(doc);
    doc->training["steps"] = 100000;  // far more than the few seconds before the kill
    QVERIFY(doc->save(graph.toStdString()));
  }
  Child child(QStringLiteral("train"), graph);
  QString record;
  const bool reached = child.waitFor(
      [&record](const ChildLog& log) {
        record = log.last(QStringLiteral("record"));
        return !record.isEmpty() &&
               QFile::exists(record + QStringLiteral("/last.safetensors")) &&
               log.last(QStringLiteral("step")).toLongLong() > 40;
      },
      30000);
  QVERIFY2(reached, qPrintable(child.log().lines.join(QLatin1Char('\n'))));
  QTest::qWait(700);  // past the next checkpoint: the kill may land in a save
  child.killHard();

  // The checkpoint is whole and names its step; the log has every step up to it.
  const QString last = record + QStringLiteral("/last.safetensors");
  auto ckpt = loadSafetensors(last.toStdString());
  QVERIFY2(ckpt, ckpt ? "" : ckpt.message().c_str());
  const qint64 step = QString::fromStdString(ckpt->metadata.at("step")).toLongLong();
  QVERIFY(step > 0);
  auto log = readRunLog((record + QStringLiteral("/log.csv")).toStdString());
  QVERIFY2(log, log ? "" : log.message().c_str());
  QVERIFY2(!log->empty() && static_cast<qint64>(log->back().step) >= step,
           qPrintable(QStringLiteral("%1 rows, checkpoint at step %2").arg(log->size()).arg(step)));

  // The restart resumes from it at that step.
  MainWindow restarted;
  TrainingWorkbench* bench = TrainingWorkbench::install(&restarted);
  QVERIFY(restarted.openFile(graph));
  TrainingController* c = bench->controller();
  c->setResumeCheckpoint(last);
  QSignalSpy started(c, &TrainingController::started);
  std::vector<StepMetrics> seen;
  connect(c, &TrainingController::metricsArrived, this,
          [&seen](const std::vector<StepMetrics>& b) { seen.insert(seen.end(), b.begin(), b.end()); });
  QVERIFY2(c->start(), qPrintable(c->lastMessage()));
  QTRY_VERIFY_WITH_TIMEOUT(!seen.empty(), 10000);
  c->stop();
  QTRY_VERIFY_WITH_TIMEOUT(!c->isTraining(), 10000);
  QCOMPARE(static_cast<qint64>(seen.front().step), step + 1);
}

int main(int argc, char** argv) {
  const QString mode = qEnvironmentVariable(kChildMode);
  if (!mode.isEmpty()) {
    QApplication app(argc, argv);
    // The parent's settings and app data (its environment came along): only the names.
    QCoreApplication::setOrganizationName(QStringLiteral("StrataTest"));
    QCoreApplication::setApplicationName(QStringLiteral("strata-gui-test"));
    return runChild(mode, qEnvironmentVariable(kChildGraph));
  }
  QApplication app(argc, argv);
  TstKillRecovery tests;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&tests, argc, argv);
}

#include "tst_killrecovery.moc"
