#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>

#include "canvastheme.h"
#include "formatting.h"
#include "graphmodel.h"
#include "graphscene.h"
#include "graphview.h"
#include "samplecatalog.h"
#include "samplegallery.h"

namespace strata::gui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_model(new GraphModel(this)),
      m_scene(new GraphScene(m_model, this)),
      m_view(new GraphView),
      m_gallery(new SampleGallery),
      m_stack(new QStackedWidget) {
  m_view->setScene(m_scene);
  m_stack->addWidget(m_gallery);
  m_stack->addWidget(m_view);
  setCentralWidget(m_stack);

  createActions();
  createMenus();
  createStatusBar();

  const QString samplesDir = SampleCatalog::directory();
  m_gallery->setSamples(SampleCatalog::list(samplesDir), samplesDir);
  connect(m_gallery, &SampleGallery::sampleChosen, this, &MainWindow::openFile);
  connect(m_gallery, &SampleGallery::openFileRequested, this, &MainWindow::chooseFile);

  connect(m_model, &GraphModel::analysisChanged, this, &MainWindow::updateStatus);
  connect(m_model, &GraphModel::filePathChanged, this, &MainWindow::updateTitle);
  connect(m_model, &GraphModel::modelReset, this, &MainWindow::updateTitle);
  connect(m_scene, &GraphScene::graphRebuilt, m_view, &GraphView::requestFit);
  connect(m_view, &GraphView::zoomChanged, this, [this](double zoom) {
    m_zoomLabel->setText(QStringLiteral("%1 %").arg(qRound(zoom * 100)));
  });

  resize(1280, 800);
  showGallery();
}

MainWindow::~MainWindow() {
  // The view must not paint a scene that is being destroyed.
  m_view->setScene(nullptr);
}

void MainWindow::createActions() {
  m_openAction = new QAction(tr("&Open\u2026"), this);
  m_openAction->setShortcut(QKeySequence::Open);
  connect(m_openAction, &QAction::triggered, this, &MainWindow::chooseFile);

  m_galleryAction = new QAction(tr("Sample &Gallery"), this);
  connect(m_galleryAction, &QAction::triggered, this, &MainWindow::showGallery);

  m_quitAction = new QAction(tr("&Quit"), this);
  m_quitAction->setShortcut(QKeySequence::Quit);
  m_quitAction->setMenuRole(QAction::QuitRole);
  connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

  m_zoomInAction = new QAction(tr("Zoom &In"), this);
  m_zoomInAction->setShortcut(QKeySequence::ZoomIn);
  connect(m_zoomInAction, &QAction::triggered, m_view, &GraphView::zoomIn);

  m_zoomOutAction = new QAction(tr("Zoom &Out"), this);
  m_zoomOutAction->setShortcut(QKeySequence::ZoomOut);
  connect(m_zoomOutAction, &QAction::triggered, m_view, &GraphView::zoomOut);

  m_zoomResetAction = new QAction(tr("&Actual Size"), this);
  m_zoomResetAction->setShortcut(Qt::CTRL | Qt::Key_0);
  connect(m_zoomResetAction, &QAction::triggered, m_view, &GraphView::resetZoom);

  m_fitAction = new QAction(tr("&Fit to Window"), this);
  m_fitAction->setShortcut(Qt::CTRL | Qt::Key_9);
  connect(m_fitAction, &QAction::triggered, m_view, &GraphView::fitToView);

  m_darkAction = new QAction(tr("&Dark Canvas"), this);
  m_darkAction->setCheckable(true);
  connect(m_darkAction, &QAction::toggled, this, &MainWindow::setDarkCanvas);

  m_aboutAction = new QAction(tr("&About Strata"), this);
  m_aboutAction->setMenuRole(QAction::AboutRole);
  connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(m_openAction);
  m_sampleMenu = file->addMenu(tr("Open &Sample"));
  populateSampleMenu();
  file->addAction(m_galleryAction);
  file->addSeparator();
  file->addAction(m_quitAction);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(m_zoomInAction);
  view->addAction(m_zoomOutAction);
  view->addAction(m_zoomResetAction);
  view->addAction(m_fitAction);
  view->addSeparator();
  view->addAction(m_darkAction);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(m_aboutAction);
}

void MainWindow::populateSampleMenu() {
  m_sampleMenu->clear();
  const QList<SampleInfo> samples = SampleCatalog::list(SampleCatalog::directory());
  for (const SampleInfo& s : samples) {
    QAction* a = m_sampleMenu->addAction(s.name);
    a->setToolTip(s.description);
    a->setStatusTip(s.description);
    const QString path = s.path;
    connect(a, &QAction::triggered, this, [this, path] { openFile(path); });
  }
  if (samples.isEmpty()) m_sampleMenu->addAction(tr("(no samples found)"))->setEnabled(false);
}

void MainWindow::createStatusBar() {
  m_fileLabel = new QLabel;
  m_problemsLabel = new QLabel;
  m_paramsLabel = new QLabel;
  m_flopsLabel = new QLabel;
  m_zoomLabel = new QLabel(QStringLiteral("100 %"));
  for (QLabel* l : {m_fileLabel, m_problemsLabel, m_paramsLabel, m_flopsLabel, m_zoomLabel})
    l->setContentsMargins(10, 2, 10, 2);
  statusBar()->addWidget(m_fileLabel, 1);
  statusBar()->addPermanentWidget(m_problemsLabel);
  statusBar()->addPermanentWidget(m_paramsLabel);
  statusBar()->addPermanentWidget(m_flopsLabel);
  statusBar()->addPermanentWidget(m_zoomLabel);
}

bool MainWindow::openFile(const QString& path) {
  const Status status = m_model->loadFile(path);
  if (!status) {
    reportError(tr("Cannot open graph"), QString::fromStdString(status.message()));
    return false;
  }
  m_stack->setCurrentWidget(m_view);
  m_view->requestFit();
  updateStatus();
  updateTitle();
  updateActions();
  return true;
}

void MainWindow::showGallery() {
  m_stack->setCurrentWidget(m_gallery);
  updateStatus();
  updateTitle();
  updateActions();
}

bool MainWindow::isShowingGallery() const { return m_stack->currentWidget() == m_gallery; }

void MainWindow::reportError(const QString& title, const QString& message) {
  m_lastError = message;
  emit errorReported(message);
  // open(), not exec(): the window stays responsive and tests are not blocked.
  auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void MainWindow::chooseFile() {
  const QString dir = m_model->filePath().isEmpty() ? SampleCatalog::directory()
                                                     : QFileInfo(m_model->filePath()).path();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open Graph"), dir,
                                                    tr("Strata graphs (*.strata);;All files (*)"));
  if (!path.isEmpty()) openFile(path);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About Strata"),
                     tr("<h3>Strata %1</h3><p>Design, train and export sequence models as node "
                        "graphs.</p><p>Built with Qt %2.</p>")
                         .arg(QApplication::applicationVersion(), QLatin1String(qVersion())));
}

void MainWindow::setDarkCanvas(bool dark) {
  m_scene->setTheme(dark ? CanvasTheme::dark() : CanvasTheme::light());
  m_view->viewport()->update();
}

QString MainWindow::statusText() const {
  QStringList parts;
  for (const QLabel* l : {m_fileLabel, m_problemsLabel, m_paramsLabel, m_flopsLabel})
    if (!l->text().isEmpty()) parts << l->text();
  return parts.join(QStringLiteral(" | "));
}

void MainWindow::updateStatus() {
  const bool graph = !isShowingGallery() && !m_model->filePath().isEmpty();
  const GraphAnalysis& a = m_model->analysis();
  m_fileLabel->setText(graph ? QFileInfo(m_model->filePath()).fileName() : QString());
  m_fileLabel->setToolTip(graph ? m_model->filePath() : QString());
  m_paramsLabel->setText(graph ? tr("Parameters: %1").arg(formatCount(a.totalParameters))
                               : QString());
  m_paramsLabel->setToolTip(graph ? QLocale().toString(qlonglong(a.totalParameters)) : QString());
  m_flopsLabel->setText(graph ? tr("FLOPs: %1").arg(formatCount(a.totalFlops)) : QString());
  m_flopsLabel->setToolTip(graph ? tr("Per sample; variable lengths taken as 1") : QString());
  const int problems = int(a.diagnostics.size());
  if (!graph) {
    m_problemsLabel->clear();
  } else if (problems == 0) {
    m_problemsLabel->setText(tr("\u2713 Valid"));
    m_problemsLabel->setStyleSheet(QStringLiteral("color: #067647;"));
  } else {
    m_problemsLabel->setText(problems == 1 ? tr("1 problem") : tr("%1 problems").arg(problems));
    m_problemsLabel->setStyleSheet(QStringLiteral("color: #d92d20; font-weight: 600;"));
  }
  QStringList tips;
  for (const NodeDiagnostic& d : a.diagnostics)
    tips << QStringLiteral("%1: %2").arg(QString::fromStdString(d.nodeId),
                                         QString::fromStdString(d.message));
  m_problemsLabel->setToolTip(tips.join(QLatin1Char('\n')));
  m_zoomLabel->setVisible(graph);
}

void MainWindow::updateTitle() {
  if (isShowingGallery() || m_model->filePath().isEmpty())
    setWindowTitle(tr("Strata"));
  else
    setWindowTitle(tr("%1 \u2014 Strata").arg(m_model->displayName()));
}

void MainWindow::updateActions() {
  const bool canvas = !isShowingGallery();
  for (QAction* a : {m_zoomInAction, m_zoomOutAction, m_zoomResetAction, m_fitAction})
    a->setEnabled(canvas);
}

}  // namespace strata::gui
