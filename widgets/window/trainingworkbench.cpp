#include "window/trainingworkbench.h"

#include <QAction>
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QVBoxLayout>

#include "training/attentionviewer.h"
#include "canvas/gradientoverlayitem.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "training/inferenceplayground.h"
#include "window/mainwindow.h"
#include "training/trainingbanner.h"
#include "training/trainingcharts.h"
#include "training/trainingcontroller.h"
#include "training/trainingpanel.h"
#include "training/unrolledview.h"
#include "document/graphmodel.h"
#include "runs/runsdock.h"
#include "training/sweeppanel.h"
#include "training/sweeprunner.h"

namespace strata::gui {

namespace {

QDockWidget* addDock(MainWindow* window, const QString& title, const QString& name,
                     QWidget* content, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, window);
  dock->setObjectName(name);
  // Every panel scrolls when its dock is smaller than its content: on a 1280×720 screen the
  // docks' minimum sizes would otherwise push the window (and the charts) off the screen.
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  dock->setWidget(scroll);
  window->addDockWidget(area, dock);
  return dock;
}

}  // namespace

TrainingWorkbench::TrainingWorkbench(MainWindow* window) : QObject(window), m_window(window) {
  m_controller = new TrainingController(window->model(), this);
  m_panel = new TrainingPanel(window->model(), m_controller);
  m_charts = new TrainingCharts;
  m_playground = new InferencePlayground(m_controller);
  m_attention = new AttentionViewer(m_controller);
  m_unrolled = new UnrolledView(m_controller);
  m_sweeps = new SweepRunner(m_controller, this);
  m_sweepPanel = new SweepPanel(window->model(), m_controller, m_sweeps);
  // The sweep box sits under the training form: it starts runs like Train does.
  auto* trainingContent = new QWidget;
  auto* trainingLayout = new QVBoxLayout(trainingContent);
  trainingLayout->setContentsMargins(0, 0, 0, 0);
  trainingLayout->setSpacing(0);
  trainingLayout->addWidget(m_panel, 1);
  trainingLayout->addWidget(m_sweepPanel);
  QDockWidget* training = addDock(window, tr("Training"), QStringLiteral("trainingDock"),
                                  trainingContent, Qt::RightDockWidgetArea);
  // The Runs dock shares the training dock's place (the tallest of the right column) as a tab:
  // selecting runs there overlays them on the charts below, which stay in view.
  m_runs = new RunsDock(m_charts);
  QDockWidget* runs = addDock(window, tr("Runs"), QStringLiteral("runsDock"), m_runs,
                              Qt::RightDockWidgetArea);
  window->tabifyDockWidget(training, runs);
  training->raise();
  window->keepInFront(training);  // the run's controls before the list of past runs
  QDockWidget* charts = addDock(window, tr("Training charts"), QStringLiteral("chartsDock"),
                                m_charts, Qt::BottomDockWidgetArea);
  QDockWidget* play = addDock(window, tr("Playground"), QStringLiteral("playgroundDock"),
                              m_playground, Qt::BottomDockWidgetArea);
  QDockWidget* attention = addDock(window, tr("Attention"), QStringLiteral("attentionDock"),
                                   m_attention, Qt::BottomDockWidgetArea);
  QDockWidget* unrolled = addDock(window, tr("Unrolled RNN"), QStringLiteral("unrolledDock"),
                                  m_unrolled, Qt::BottomDockWidgetArea);
  window->tabifyDockWidget(charts, play);
  window->tabifyDockWidget(play, attention);
  window->tabifyDockWidget(attention, unrolled);
  charts->raise();
  window->keepInFront(charts);  // charts visible whenever the canvas (and so a run) is
  window->resetLayout();  // the charts a third of the height: the canvas stays the largest
  // The start page (gallery) shows none of the panels: these came after it hid the others.
  if (window->isShowingGallery()) window->showGallery();

  addTrainingMenu();
  installRuns();

  m_overlay = new GradientOverlayItem(window->scene());
  m_banner = new TrainingBanner(window->view());

  connect(m_controller, &TrainingController::started, this, [this] {
    m_charts->clear();
    m_overlay->clearNorms();
  });
  connect(m_controller, &TrainingController::metricsArrived, m_charts,
          &TrainingCharts::appendMetrics);
  connect(m_controller, &TrainingController::markerAdded, m_charts, &TrainingCharts::addMarker);
  connect(m_controller, &TrainingController::gradNormsChanged, m_overlay,
          &GradientOverlayItem::setNorms);
  connect(m_controller, &TrainingController::trainingActiveChanged, this, [this](bool active) {
    m_banner->setActive(active);
    // Edits could not race the run (it trains a snapshot), but they would not reach it either.
    m_window->view()->setInteractive(!active);
  });
}

TrainingWorkbench::~TrainingWorkbench() = default;

void TrainingWorkbench::installRuns() {
  // Where records go when not beside the graph: a root chosen once (QSettings), else
  // $STRATA_RUNS_DIR, else beside the graph file.
  m_controller->setRunsRoot(QSettings().value(QStringLiteral("runs/root")).toString());
  auto follow = [this] { m_runs->setRunsDirectory(m_controller->runsDirectory()); };
  connect(m_window->model(), &GraphModel::modelReset, this, follow);
  connect(m_window->model(), &GraphModel::filePathChanged, this, follow);
  connect(m_controller, &TrainingController::runRecordStarted, m_runs,
          &RunsDock::setActiveRecord);
  connect(m_controller, &TrainingController::runRecorded, m_runs,
          [this] { m_runs->setActiveRecord(QString()); });
  connect(m_runs, &RunsDock::openRequested, this, &TrainingWorkbench::openRun);
  connect(m_sweeps, &SweepRunner::sweepFinished, m_runs, &RunsDock::reload);
  connect(m_runs, &RunsDock::runsRootChosen, this, [this, follow](const QString& root) {
    QSettings().setValue(QStringLiteral("runs/root"), root);
    m_controller->setRunsRoot(root);
    follow();
  });
  follow();
}

void TrainingWorkbench::openRun(const QString& graphPath, const QString& weightsPath) {
  if (m_controller->isTraining()) {
    m_window->reportError(tr("Cannot open run"), tr("Stop training before opening a run."));
    return;
  }
  if (!m_window->openAsUntitled(graphPath)) return;
  if (weightsPath.isEmpty()) return;
  Status s = m_controller->adoptWeights(weightsPath);
  if (!s)
    m_window->reportError(tr("Cannot load the run's weights"), QString::fromStdString(s.message()));
}

void TrainingWorkbench::addTrainingMenu() {
  // Before Help, like every desktop tool's Run menu. Each action clicks its panel button, so the
  // keyboard takes the same path (settings written, state checked) as the mouse, and is enabled
  // exactly when that button is.
  QMenuBar* bar = m_window->menuBar();
  QAction* help = bar->actions().isEmpty() ? nullptr : bar->actions().last();
  auto* menu = new QMenu(tr("&Training"), bar);
  bar->insertMenu(help, menu);
  const struct {
    const char* name;
    QString text;
    QKeySequence key;
    QPushButton* button;
  } entries[] = {
      {"train", tr("&Train"), QKeySequence(Qt::Key_F5), m_panel->trainButton()},
      {"pauseTraining", tr("&Pause"), QKeySequence(Qt::Key_F6), m_panel->pauseButton()},
      {"resumeTraining", tr("&Resume"), QKeySequence(Qt::SHIFT | Qt::Key_F6),
       m_panel->resumeButton()},
      {"stopTraining", tr("&Stop"), QKeySequence(Qt::SHIFT | Qt::Key_F5), m_panel->stopButton()},
  };
  for (const auto& e : entries) {
    QAction* a = menu->addAction(e.text);
    a->setObjectName(QLatin1String(e.name));
    a->setShortcut(e.key);
    a->setEnabled(e.button->isEnabled());
    m_window->addAction(a);  // the shortcut works wherever the focus is in the window
    QPushButton* button = e.button;
    connect(a, &QAction::triggered, button, [button] {
      if (button->isEnabled()) button->click();
    });
    connect(m_controller, &TrainingController::stateChanged, a,
            [a, button] { a->setEnabled(button->isEnabled()); });
  }
}

}  // namespace strata::gui
