#include "window/mainwindow.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStyle>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoStack>
#include <QUndoView>
#include <QVBoxLayout>

#include "window/apptheme.h"
#include "document/autosavemanager.h"
#include "window/editoractions.h"
#include "panels/layerpickerpopup.h"
#include "canvas/canvastheme.h"
#include "document/formatting.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "panels/inspectorwidget.h"
#include "canvas/nodeitem.h"
#include "window/onnxtransfer.h"
#include "panels/palettewidget.h"
#include "window/recentfilesmenu.h"
#include "window/recoverybar.h"
#include "gallery/samplecatalog.h"
#include "gallery/samplegallery.h"
#include "canvas/scenerenderer.h"

namespace strata::gui {

namespace {

const auto kThemeKey = QStringLiteral("theme");
const auto kGeometryKey = QStringLiteral("window/geometry");
const auto kStateKey = QStringLiteral("window/state");
const auto kSizeKey = QStringLiteral("window/size");  // the frame's, to check before restoring
const auto kGraphFilter = QT_TRANSLATE_NOOP("MainWindow", "Strata graphs (*.strata)");

QMessageBox::StandardButton askToSave(QWidget* parent, const QString& name) {
  QMessageBox box(QMessageBox::Warning, MainWindow::tr("Unsaved changes"),
                  MainWindow::tr("Save the changes to \u201c%1\u201d?").arg(name),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
  box.setInformativeText(MainWindow::tr("Your changes are lost if you don't save them."));
  box.setDefaultButton(QMessageBox::Save);
  return QMessageBox::StandardButton(box.exec());
}

}  // namespace

static QScrollArea* scrolling(QWidget* content) {  // long forms scroll, not grow the window
  auto* scroll = new QScrollArea;
  scroll->setWidget(content);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  return scroll;
}

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_model(new GraphModel(this)),
      m_scene(new GraphScene(m_model, this)),
      m_view(new GraphView),
      m_gallery(new SampleGallery),
      m_stack(new QStackedWidget),
      m_autosave(new AutosaveManager(m_model, this)),
      m_editActions(new EditorActions(m_scene, this)),
      m_onnx(new OnnxTransfer(this)) {
  setObjectName(QStringLiteral("MainWindow"));
  m_savePrompt = [this](const QString& name) { return askToSave(this, name); };
  m_view->setScene(m_scene);
  m_stack->addWidget(m_gallery);
  m_stack->addWidget(m_view);

  auto* central = new QWidget;
  auto* centralLayout = new QVBoxLayout(central);
  centralLayout->setContentsMargins(0, 0, 0, 0);
  centralLayout->setSpacing(0);
  m_recoveryBar = new RecoveryBar;
  connect(m_recoveryBar, &RecoveryBar::recoverRequested, this, &MainWindow::recoverAutosave);
  connect(m_recoveryBar, &RecoveryBar::discardRequested, this, &MainWindow::discardRecovery);
  centralLayout->addWidget(m_recoveryBar);
  centralLayout->addWidget(m_stack, 1);
  setCentralWidget(central);

  createActions();
  createDocks();
  createMenus();
  createStatusBar();

  const QString samplesDir = SampleCatalog::directory();
  m_gallery->setSamples(SampleCatalog::list(samplesDir), samplesDir);
  connect(m_gallery, &SampleGallery::sampleChosen, this, &MainWindow::openFile);
  connect(m_gallery, &SampleGallery::openFileRequested, this, &MainWindow::chooseFile);

  connect(m_model, &GraphModel::analysisChanged, this, &MainWindow::updateStatus);
  connect(m_model, &GraphModel::modelReset, this, &MainWindow::updateTitle);
  connect(m_model->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
  connect(m_scene, &GraphScene::graphRebuilt, m_view, &GraphView::requestFit);
  connect(m_scene, &QGraphicsScene::selectionChanged, this,
          &MainWindow::updateInspectorSelection);
  connect(m_model, &GraphModel::nodeAdded, this, &MainWindow::updateInspectorSelection);
  connect(m_scene, &GraphScene::editRefused, this,
          [this](const QString& reason) { statusBar()->showMessage(reason, 5000); });
  connect(m_view, &GraphView::zoomChanged, this, [this](double zoom) {
    m_zoomLabel->setText(QStringLiteral("%1 %").arg(qRound(zoom * 100)));
  });
  connect(m_palette, &PaletteWidget::layerActivated, this,
          [this](const QString& type) {
    addLayerAtCentre(type);
  });
  connect(m_scene, &GraphScene::requestNodeAt, this, &MainWindow::offerLayersAt);

  fitToScreen(availableScreenGeometry());
  readSettings();
  showGallery();
  if (AutosaveManager::hasRecovery()) m_recoveryBar->offer(AutosaveManager::recoveredFromPath());
}

MainWindow::~MainWindow() {
  // The scene's items go before the scene: their selection changes must not reach this window.
  disconnect(m_scene, nullptr, this, nullptr);
  disconnect(m_scene, nullptr, m_editActions, nullptr);
  disconnect(m_model, nullptr, this, nullptr);
  // Destroying the undo stack reports it clean; that is not a save, so the recovery file stays
  // (closeEvent removes it on a normal exit).
  disconnect(m_model->undoStack(), nullptr, m_autosave, nullptr);
  disconnect(m_model->undoStack(), nullptr, this, nullptr);
  // The view must not paint a scene that is being destroyed.
  m_view->setScene(nullptr);
}

QAction* MainWindow::makeAction(const QString& name, const QString& text,
                                const QKeySequence& key) {
  auto* a = new QAction(text, this);
  a->setObjectName(name);
  if (!key.isEmpty()) a->setShortcut(key);
  addAction(a);  // shortcuts work while the menu bar is hidden or a dock has the focus
  return a;
}

QAction* MainWindow::action(const QString& objectName) const {
  return findChild<QAction*>(objectName, Qt::FindDirectChildrenOnly);
}

void MainWindow::createActions() {
  connect(makeAction("new", tr("&New"), QKeySequence::New), &QAction::triggered, this,
          &MainWindow::newFile);
  connect(makeAction("open", tr("&Open\u2026"), QKeySequence::Open), &QAction::triggered, this,
          &MainWindow::chooseFile);
  connect(makeAction("gallery", tr("New from &Sample\u2026"), Qt::CTRL | Qt::SHIFT | Qt::Key_N),
          &QAction::triggered, this, &MainWindow::showGallery);
  connect(makeAction("save", tr("&Save"), QKeySequence::Save), &QAction::triggered, this,
          &MainWindow::save);
  connect(makeAction("saveAs", tr("Save &As\u2026"), QKeySequence::SaveAs), &QAction::triggered,
          this, &MainWindow::chooseSaveFile);
  connect(makeAction("export", tr("&Export Image\u2026"), Qt::CTRL | Qt::SHIFT | Qt::Key_E),
          &QAction::triggered, this, &MainWindow::chooseExportFile);
  connect(makeAction("exportOnnx", tr("Export &ONNX\u2026"), Qt::CTRL | Qt::ALT | Qt::Key_E),
          &QAction::triggered, m_onnx, &OnnxTransfer::chooseExport);
  connect(makeAction("exportPyTorch", tr("Export &PyTorch Code\u2026"),
                     Qt::CTRL | Qt::ALT | Qt::Key_P),
          &QAction::triggered, m_onnx, &OnnxTransfer::chooseExportPyTorch);
  connect(makeAction("exportPyTorchProject", tr("Export PyTorch &Training Project\u2026")),
          &QAction::triggered, m_onnx, &OnnxTransfer::chooseExportPyTorchProject);
  connect(makeAction("exportTfjs", tr("Export Tensor&Flow.js Model\u2026")),
          &QAction::triggered, m_onnx, &OnnxTransfer::chooseExportTfjs);
  connect(makeAction("importOnnx", tr("&Import ONNX\u2026"), Qt::CTRL | Qt::ALT | Qt::Key_I),
          &QAction::triggered, m_onnx, &OnnxTransfer::chooseImport);
  QAction* quit = makeAction("quit", tr("&Quit"), QKeySequence::Quit);
  quit->setMenuRole(QAction::QuitRole);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  adoptEditActions();
  connect(makeAction("findLayer", tr("&Find Layer\u2026"), QKeySequence::Find),
          &QAction::triggered, this, [this] {
            m_paletteDock->show();
            m_palette->setFocus();
            m_palette->searchBox()->setFocus();
          });

  connect(makeAction("zoomIn", tr("Zoom &In"), QKeySequence::ZoomIn), &QAction::triggered,
          m_view, &GraphView::zoomIn);
  connect(makeAction("zoomOut", tr("Zoom &Out"), QKeySequence::ZoomOut), &QAction::triggered,
          m_view, &GraphView::zoomOut);
  connect(makeAction("zoomReset", tr("&Actual Size"), Qt::CTRL | Qt::Key_0), &QAction::triggered,
          m_view, &GraphView::resetZoom);
  connect(makeAction("fit", tr("&Fit to Window"), Qt::CTRL | Qt::Key_9), &QAction::triggered,
          m_view, &GraphView::fitToView);

  m_themeGroup = new QActionGroup(this);
  m_lightAction = makeAction("lightTheme", tr("&Light"));
  m_darkAction = makeAction("darkTheme", tr("&Dark"));
  for (QAction* a : {m_lightAction, m_darkAction}) {
    a->setCheckable(true);
    m_themeGroup->addAction(a);
  }
  m_lightAction->setChecked(true);
  connect(m_darkAction, &QAction::toggled, this, &MainWindow::setDarkTheme);

  QAction* about = makeAction("about", tr("&About Strata"));
  about->setMenuRole(QAction::AboutRole);
  connect(about, &QAction::triggered, this, &MainWindow::showAbout);
}

void MainWindow::adoptEditActions() {
  // The canvas's own actions (GraphScene slots, enabled by the selection), named for action()
  // and added to the window so their shortcuts work wherever the focus is.
  EditorActions* e = m_editActions;
  const QList<std::pair<const char*, QAction*>> named = {
      {"undo", e->undo()},   {"redo", e->redo()},           {"cut", e->cut()},
      {"copy", e->copy()},   {"paste", e->paste()},         {"duplicate", e->duplicate()},
      {"delete", e->remove()}, {"selectAll", e->selectAll()}, {"autoLayout", e->autoLayout()},
      {"groupBlock", e->group()}, {"ungroupBlock", e->ungroup()},
      {"toggleBlock", e->toggleBlock()}};
  for (const auto& [name, a] : named) {
    a->setObjectName(QLatin1String(name));
    a->setParent(this);  // action() finds direct children
    addAction(a);
  }
  e->redo()->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z),
                           QKeySequence(Qt::CTRL | Qt::Key_Y)});
  e->remove()->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(action("new"));
  file->addAction(action("gallery"));
  file->addAction(action("open"));
  auto* recent = new RecentFilesMenu(tr("Open &Recent"), file);
  connect(recent, &RecentFilesMenu::fileChosen, this, &MainWindow::openFile);
  file->addMenu(recent);
  m_sampleMenu = file->addMenu(tr("Open Sa&mple"));
  populateSampleMenu();
  file->addSeparator();
  file->addAction(action("save"));
  file->addAction(action("saveAs"));
  file->addAction(action("export"));
  file->addAction(action("exportOnnx"));
  file->addAction(action("exportPyTorch"));
  file->addAction(action("exportPyTorchProject"));
  file->addAction(action("exportTfjs"));
  file->addAction(action("importOnnx"));
  file->addSeparator();
  file->addAction(action("quit"));

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addAction(action("undo"));
  edit->addAction(action("redo"));
  edit->addSeparator();
  for (const char* name : {"cut", "copy", "paste", "duplicate", "delete"})
    edit->addAction(action(QLatin1String(name)));
  edit->addSeparator();
  edit->addAction(action("selectAll"));
  edit->addAction(action("autoLayout"));
  edit->addAction(action("findLayer"));
  edit->addSeparator();
  for (const char* name : {"groupBlock", "ungroupBlock", "toggleBlock"})
    edit->addAction(action(QLatin1String(name)));

  m_canvasMenu = new QMenu(this);
  for (const char* name : {"cut", "copy", "paste", "duplicate", "delete", "", "groupBlock",
                           "ungroupBlock", "toggleBlock", "", "autoLayout", "selectAll"}) {
    if (*name)
      m_canvasMenu->addAction(action(QLatin1String(name)));
    else
      m_canvasMenu->addSeparator();
  }
  connect(m_scene, &GraphScene::contextMenuRequested, this,
          [this](QPointF, QPoint screenPos) { m_canvasMenu->popup(screenPos); });

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (const char* name : {"zoomIn", "zoomOut", "zoomReset", "fit"})
    view->addAction(action(QLatin1String(name)));
  view->addSeparator();
  QMenu* theme = view->addMenu(tr("&Theme"));
  theme->addAction(m_lightAction);
  theme->addAction(m_darkAction);
  QAction* reset = view->addAction(tr("&Reset layout"));
  reset->setObjectName(QStringLiteral("resetLayout"));
  connect(reset, &QAction::triggered, this, &MainWindow::resetLayout);
  m_panelsMenu = view->addMenu(tr("&Panels"));
  for (QDockWidget* dock : {m_paletteDock, m_inspectorDock, m_historyDock})
    m_panelsMenu->addAction(dock->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(action("about"));
}

void MainWindow::createDocks() {
  setDockOptions(AnimatedDocks | AllowTabbedDocks);
  // The right column (inspector, history, training) runs the window's full height and the charts
  // sit under the canvas: on a 768-px screen the training form gets the height the charts row
  // would otherwise take from it, and the charts keep the width.
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  m_palette = new PaletteWidget;
  m_paletteDock = new QDockWidget(tr("Layers"), this);
  m_paletteDock->setObjectName(QStringLiteral("paletteDock"));
  m_paletteDock->setWidget(m_palette);
  addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);
  m_paletteDock->toggleViewAction()->setShortcut(Qt::CTRL | Qt::Key_1);

  m_inspector = new InspectorWidget(editor());
  m_inspectorDock = new QDockWidget(tr("Inspector"), this);
  m_inspectorDock->setObjectName(QStringLiteral("inspectorDock"));
  m_inspectorDock->setWidget(scrolling(m_inspector));
  addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);
  m_inspectorDock->toggleViewAction()->setShortcut(Qt::CTRL | Qt::Key_2);

  m_history = new QUndoView(m_model->undoStack());
  m_history->setEmptyLabel(tr("<opened>"));
  m_historyDock = new QDockWidget(tr("History"), this);
  m_historyDock->setObjectName(QStringLiteral("historyDock"));
  m_historyDock->setWidget(m_history);
  addDockWidget(Qt::RightDockWidgetArea, m_historyDock);
  m_historyDock->toggleViewAction()->setShortcut(Qt::CTRL | Qt::Key_3);
  resizeDocks({m_paletteDock, m_inspectorDock}, {250, 290}, Qt::Horizontal);
  resizeDocks({m_inspectorDock, m_historyDock}, {560, 180}, Qt::Vertical);
}

void MainWindow::addPanel(QDockWidget* dock, Qt::DockWidgetArea area) {
  if (dock->objectName().isEmpty()) dock->setObjectName(dock->windowTitle());
  addDockWidget(area, dock);
  m_panelsMenu->addAction(dock->toggleViewAction());
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

QStringList MainWindow::recentFiles() const { return RecentFilesMenu::files(); }

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

bool MainWindow::isModified() const { return !m_model->undoStack()->isClean(); }

bool MainWindow::maybeSave() {
  if (!isModified()) return true;
  switch (m_savePrompt(m_model->displayName())) {
    case QMessageBox::Save: return save();
    case QMessageBox::Discard: return true;
    default: return false;
  }
}

void MainWindow::newFile() {
  if (!maybeSave()) return;
  m_autosave->removeRecovery();
  m_model->clear();
  m_filePath.clear();
  showCanvas();
}

bool MainWindow::openFile(const QString& path) {
  if (!maybeSave()) return false;
  const Status status = m_model->loadFile(path);
  if (!status) {
    reportError(tr("Cannot open graph"), QString::fromStdString(status.message()));
    return false;
  }
  m_filePath = QFileInfo(path).absoluteFilePath();
  RecentFilesMenu::add(path);
  showCanvas();
  return true;
}

bool MainWindow::openAsUntitled(const QString& path) {
  if (!maybeSave()) return false;
  Result<GraphDocument> doc = GraphDocument::load(path.toStdString());
  if (!doc) {
    reportError(tr("Cannot open graph"), QString::fromStdString(doc.message()));
    return false;
  }
  m_model->setDocument(std::move(doc).value(), QString());
  m_filePath.clear();
  m_model->undoStack()->resetClean();  // unsaved work, like File > New with content
  updateTitle();
  showCanvas();
  return true;
}

bool MainWindow::save() {
  if (m_filePath.isEmpty()) {
    chooseSaveFile();
    return !m_filePath.isEmpty() && !isModified();
  }
  return saveAs(m_filePath);
}

bool MainWindow::saveAs(const QString& path) {
  const Status status = m_model->document().save(path.toStdString());
  if (!status) {
    reportError(tr("Cannot save graph"), QString::fromStdString(status.message()));
    return false;
  }
  m_filePath = QFileInfo(path).absoluteFilePath();
  RecentFilesMenu::add(path);
  m_model->undoStack()->setClean();
  m_autosave->removeRecovery();
  statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 3000);
  updateStatus();
  updateTitle();
  return true;
}

bool MainWindow::exportImage(const QString& path) {
  const bool svg = path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive);
  const bool ok = svg ? SceneRenderer::saveSvg(m_scene, path, m_model->displayName())
                      : SceneRenderer::savePng(m_scene, path);
  if (!ok) reportError(tr("Cannot export image"), tr("Could not write %1").arg(path));
  return ok;
}

void MainWindow::setDocksShown(bool shown) {
  // The gallery gets the whole window; the panels come back as they were with the canvas.
  if (!shown) {
    for (QDockWidget* dock : findChildren<QDockWidget*>()) {
      if (dock->isHidden() || dock->isFloating()) continue;
      m_dockedAway.append(dock);
      dock->hide();
    }
    return;
  }
  for (QDockWidget* dock : std::as_const(m_dockedAway)) dock->show();
  // Showing a tabbed dock brings its tab forward: put the preferred tabs (the training charts)
  // in front again.
  for (QDockWidget* dock : std::as_const(m_frontDocks))
    if (!dock->isHidden()) dock->raise();
  m_dockedAway.clear();
  if (m_defaultLayoutPending) {
    m_defaultLayoutPending = false;
    resetLayout();
  }
}

void MainWindow::showCanvas() {
  setDocksShown(true);
  m_stack->setCurrentWidget(m_view);
  m_view->requestFit();
  updateStatus();
  updateTitle();
  updateActions();
}

void MainWindow::showGallery() {
  setDocksShown(false);  // hides only what is shown, so panels added later go too
  m_stack->setCurrentWidget(m_gallery);
  updateStatus();
  updateTitle();
  updateActions();
}

bool MainWindow::isShowingGallery() const { return m_stack->currentWidget() == m_gallery; }

bool MainWindow::hasRecoveryOffer() const {
  return !m_recoveryBar->isHidden() && AutosaveManager::hasRecovery();
}

bool MainWindow::recoverAutosave() {
  m_recoveryBar->hide();
  const QString origin = AutosaveManager::recoveredFromPath();
  Result<GraphDocument> doc = GraphDocument::load(AutosaveManager::recoveryPath().toStdString());
  if (!doc) {
    reportError(tr("Cannot recover"), QString::fromStdString(doc.message()));
    return false;
  }
  m_model->setDocument(std::move(doc).value(), origin);
  m_filePath = origin;
  m_model->undoStack()->resetClean();  // recovered work is unsaved work
  showCanvas();
  return true;
}

void MainWindow::discardRecovery() {
  m_recoveryBar->hide();
  m_autosave->removeRecovery();
}

void MainWindow::reportError(const QString& title, const QString& message) {
  m_lastError = message;
  emit errorReported(message);
  // open(), not exec(): the window stays responsive and tests are not blocked.
  auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void MainWindow::chooseFile() {
  const QString dir =
      m_filePath.isEmpty() ? SampleCatalog::directory() : QFileInfo(m_filePath).path();
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open Graph"), dir, tr(kGraphFilter) + QStringLiteral(";;") + tr("All files (*)"));
  if (!path.isEmpty()) openFile(path);
}

void MainWindow::chooseSaveFile() {
  QString path = QFileDialog::getSaveFileName(
      this, tr("Save Graph"),
      m_filePath.isEmpty() ? m_model->displayName() + QStringLiteral(".strata") : m_filePath,
      tr(kGraphFilter));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".strata");
  saveAs(path);
}

void MainWindow::chooseExportFile() {
  const QString base = m_filePath.isEmpty() ? m_model->displayName()
                                            : QFileInfo(m_filePath).completeBaseName();
  QString selected;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export Graph Image"), base + QStringLiteral(".png"),
      tr("PNG image (*.png);;SVG drawing (*.svg)"), &selected);
  if (!path.isEmpty()) exportImage(path);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About Strata"),
                     tr("<h3>Strata %1</h3><p>Design, train and export sequence models as node "
                        "graphs.</p><p>Built with Qt %2.</p>")
                         .arg(QApplication::applicationVersion(), QLatin1String(qVersion())));
}

void MainWindow::setDarkTheme(bool dark) {
  AppTheme::apply(dark);
  m_scene->setTheme(dark ? CanvasTheme::dark() : CanvasTheme::light());
  m_view->viewport()->update();
  (dark ? m_darkAction : m_lightAction)->setChecked(true);
  QSettings().setValue(kThemeKey, dark ? QStringLiteral("dark") : QStringLiteral("light"));
}

bool MainWindow::isDarkTheme() const { return m_darkAction->isChecked(); }

QString MainWindow::statusText() const {
  QStringList parts;
  for (const QLabel* l : {m_fileLabel, m_problemsLabel, m_paramsLabel, m_flopsLabel})
    if (!l->text().isEmpty()) parts << l->text();
  return parts.join(QStringLiteral(" | "));
}

void MainWindow::updateStatus() {
  const bool graph = !isShowingGallery();
  const GraphAnalysis& a = m_model->analysis();
  m_fileLabel->setText(graph ? (m_filePath.isEmpty() ? tr("Untitled")
                                                     : QFileInfo(m_filePath).fileName())
                             : QString());
  m_fileLabel->setToolTip(graph ? m_filePath : QString());
  m_paramsLabel->setText(graph ? tr("Parameters: %1").arg(formatCount(a.totalParameters))
                               : QString());
  m_paramsLabel->setToolTip(graph ? QLocale().toString(qlonglong(a.totalParameters)) : QString());
  m_flopsLabel->setText(graph ? tr("FLOPs: %1").arg(formatCount(a.totalFlops)) : QString());
  m_flopsLabel->setToolTip(graph ? tr("Per sample; variable lengths taken as 1") : QString());
  const int problems = int(a.diagnostics.size());
  if (!graph || m_model->isEmpty()) {
    m_problemsLabel->clear();
  } else if (problems == 0) {
    m_problemsLabel->setText(tr("\u2713 Valid"));
    m_problemsLabel->setStyleSheet(QStringLiteral("color: #12b76a;"));
  } else {
    m_problemsLabel->setText(problems == 1 ? tr("1 problem") : tr("%1 problems").arg(problems));
    m_problemsLabel->setStyleSheet(QStringLiteral("color: #f04438; font-weight: 600;"));
  }
  QStringList tips;
  for (const NodeDiagnostic& d : a.diagnostics)
    tips << QStringLiteral("%1: %2").arg(QString::fromStdString(d.nodeId),
                                         QString::fromStdString(d.message));
  m_problemsLabel->setToolTip(tips.join(QLatin1Char('\n')));
  m_zoomLabel->setVisible(graph);
}

void MainWindow::updateTitle() {
  // Qt draws "[*]" as "*" while the window is modified.
  setWindowModified(isModified());
  if (isShowingGallery()) {
    setWindowTitle(tr("Strata"));
    return;
  }
  QString name = m_model->displayName();
  if (m_model->filePath() != m_filePath && !m_filePath.isEmpty())
    name = QFileInfo(m_filePath).completeBaseName();
  setWindowTitle(tr("%1[*] \u2014 Strata").arg(name));
}

QStringList MainWindow::canvasActionNames() const {
  // The edit actions keep the enabled state EditorActions gives them (from the selection).
  return {"zoomIn", "zoomOut", "zoomReset", "fit", "save", "saveAs", "export",
          "exportOnnx", "exportPyTorch", "exportPyTorchProject", "exportTfjs"};
}

void MainWindow::updateActions() {
  const bool canvas = !isShowingGallery();
  for (const QString& name : canvasActionNames())
    if (QAction* a = action(name)) a->setEnabled(canvas);
}

void MainWindow::updateInspectorSelection() {
  const std::vector<std::string> ids = m_scene->selectedNodeIds();
  const std::vector<std::string> blocks = m_scene->selectedBlockIds();
  if (ids.empty() && blocks.size() == 1) {
    m_inspector->setBlockId(blocks.front());
    return;
  }
  if (ids.size() == 1) {
    if (ids.front() != m_inspector->nodeId()) m_inspector->setNodeId(ids.front());
    return;
  }
  m_inspector->setPlaceholder(ids.empty() ? QString()
                                          : tr("%1 nodes selected.\n\nCtrl+G groups them into "
                                               "a block; a block's Repeat \u00d7N stacks N "
                                               "copies with their own weights.")
                                                .arg(ids.size()));
  m_inspector->setNodeId({});
}

QRect MainWindow::availableScreenGeometry() const {
  const QScreen* s = screen() ? screen() : QGuiApplication::primaryScreen();
  return s ? s->availableGeometry() : QRect(0, 0, 1440, 900);
}

void MainWindow::fitToScreen(const QRect& available) {
  // The window frame (title bar, borders) is outside the size: leave it room.
  const QMargins frame(8, 32, 8, 8);
  const QSize room = available.marginsRemoved(frame).size();
  const QSize size = QSize(1440, 900).boundedTo(room);
  resize(size);
  resetLayout();
  move(available.topLeft() + QPoint((available.width() - size.width()) / 2,
                                    (available.height() - size.height()) / 2));
}

void MainWindow::resetLayout() {
  // Floating panels come back; the side columns take a fixed share of the width and the bottom
  // panels (charts) a third of the height, so the canvas stays the largest part.
  for (QDockWidget* dock : findChildren<QDockWidget*>()) dock->setFloating(false);
  // The right column as wide as the training form needs (no sideways scrolling), within reason.
  int right = 320;
  if (auto* training = findChild<QDockWidget*>(QStringLiteral("trainingDock")))
    if (auto* scroll = qobject_cast<QScrollArea*>(training->widget()); scroll && scroll->widget())
      right = std::max(right, scroll->widget()->minimumSizeHint().width() + 24 +
                                  style()->pixelMetric(QStyle::PM_ScrollBarExtent));
  resizeDocks({m_paletteDock, m_inspectorDock}, {std::min(220, width() / 6),
              std::min(right, width() * 3 / 10)}, Qt::Horizontal);
  // The right column: the training panel (Train, progress, settings) gets the most of it.
  QList<QDockWidget*> column{m_inspectorDock, m_historyDock};
  QList<int> shares{height() / 4, height() / 10};
  if (auto* training = findChild<QDockWidget*>(QStringLiteral("trainingDock"))) {
    column << training;
    shares << height() * 3 / 5;
  }
  resizeDocks(column, shares, Qt::Vertical);
  QList<QDockWidget*> bottom;
  QList<int> heights;
  for (QDockWidget* dock : findChildren<QDockWidget*>())
    if (dockWidgetArea(dock) == Qt::BottomDockWidgetArea && !dock->isHidden()) {
      bottom << dock;
      heights << height() / 3;
    }
  if (!bottom.isEmpty()) resizeDocks(bottom, heights, Qt::Vertical);
}

bool MainWindow::restoreLayout(const QRect& available) {
  // A layout saved on a larger screen (or another monitor) is not restored: it would put the
  // window, or parts of it, off this one. The window then keeps the size fitToScreen gave it.
  // The size is checked before restoreGeometry, which would squeeze an oversized window onto
  // the screen but keep its panels' proportions for the big one.
  QSettings settings;
  const QSize saved = settings.value(kSizeKey).toSize();
  if (!saved.isValid() || saved.width() > available.width() ||
      saved.height() > available.height())
    return false;
  const QRect before = geometry();
  if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) return false;
  if (!available.contains(frameGeometry()) && !available.contains(geometry())) {
    setGeometry(before);
    return false;
  }
  return restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::readSettings() {
  restoreLayout(availableScreenGeometry());
  setDarkTheme(QSettings().value(kThemeKey).toString() == QLatin1String("dark"));
}

void MainWindow::saveLayout() {
  setDocksShown(true);  // the layout to keep is the canvas's
  QSettings settings;
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kSizeKey, frameGeometry().size());
  settings.setValue(kStateKey, saveState());
}

GraphEditor* MainWindow::editor() const { return m_scene->editor(); }

std::string MainWindow::addLayerAtCentre(const QString& type) {
  if (isShowingGallery()) showCanvas();
  const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
  const std::string id =
      editor()->addNode(type.toStdString(), centre - QPointF(NodeItem::kMinWidth / 2, 40));
  if (!id.empty()) m_scene->selectNodes({id});
  return id;
}

void MainWindow::offerLayersAt(QPointF scenePos, const Endpoint& end, bool fromOutput) {
  auto* popup = new LayerPickerPopup(m_model->typesFitting(end, fromOutput), this);
  connect(popup, &LayerPickerPopup::layerChosen, this,
          [this, scenePos, end, fromOutput](const QString& type) {
            const std::string id =
                editor()->addNodeConnected(type.toStdString(), scenePos, end, fromOutput);
            if (!id.empty()) m_scene->selectNodes({id});
          });
  popup->popup(m_view->viewport()->mapToGlobal(m_view->mapFromScene(scenePos)));
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (m_shownOnce) return;
  m_shownOnce = true;
  // A first start (no saved layout): the default arrangement for the size the window got. On
  // the start page the panels are hidden and cannot be sized: then when they first appear.
  if (QSettings().value(kStateKey).isNull()) {
    if (isShowingGallery())
      m_defaultLayoutPending = true;
    else
      resetLayout();
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  saveLayout();
  m_autosave->removeRecovery();  // a normal exit: nothing to recover next time
  event->accept();
}

}  // namespace strata::gui
