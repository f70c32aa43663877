// The main window of `strata`: the sample gallery or the graph canvas in the middle; the palette
// (with the layer docs), the inspector and the undo history as docks; File / Edit / View / Help
// menus; a status bar with the model's parameter and FLOP totals. It owns the file workflow:
// new, open, save, recent files, the unsaved-changes prompt, autosave and recovery, export.
#pragma once

#include <QMainWindow>
#include <QMessageBox>
#include <QPointF>

#include <functional>
#include <string>
#include <vector>

#include "graph/document.h"

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QStackedWidget;
class QUndoView;

namespace strata::gui {

class AutosaveManager;
class EditorActions;
class GraphEditor;
class GraphModel;
class GraphScene;
class GraphView;
class InspectorWidget;
class OnnxTransfer;
class PaletteWidget;
class RecoveryBar;
class SampleGallery;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  // Asked before unsaved changes would be lost; answers Save, Discard or Cancel. Tests replace
  // the default (a modal message box) with a function.
  using SavePrompt = std::function<QMessageBox::StandardButton(const QString& name)>;

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a graph on the canvas (after asking about unsaved changes). On failure the current
  // graph stays, the reason is reported (reportError) and false is returned.
  bool openFile(const QString& path);
  void newFile();
  // Opens a graph file as a new unsaved document with no file of its own (a run record's graph:
  // saving asks where, so the record stays as it was trained).
  bool openAsUntitled(const QString& path);
  bool save();                         // to the current file, else asks for one
  bool saveAs(const QString& path);    // without a dialog
  bool exportImage(const QString& path);  // .svg as SVG, anything else as PNG
  void showGallery();
  bool isShowingGallery() const;
  bool isModified() const;
  QString currentFile() const { return m_filePath; }

  // Unsaved changes: Save / Discard / Cancel through the prompt; true when it is safe to go on.
  bool maybeSave();
  void setSavePrompt(SavePrompt prompt) { m_savePrompt = std::move(prompt); }

  // Crash recovery: whether a recovery file was found at start (a non-blocking bar offers it),
  // and the two answers. recover() opens it as an unsaved document.
  bool hasRecoveryOffer() const;
  bool recoverAutosave();
  void discardRecovery();
  AutosaveManager* autosave() const { return m_autosave; }

  QStringList recentFiles() const;
  void setDarkTheme(bool dark);  // app palette and canvas; remembered in QSettings
  bool isDarkTheme() const;

  // Sizes the window to fit `available` (a screen's available geometry, in tests any size):
  // at most 1440×900, never larger than the screen, centred on it.
  void fitToScreen(const QRect& available);
  // View > Reset layout: every panel docked, the default column widths and chart height.
  void resetLayout();
  // The available geometry of the screen the window is on.
  QRect availableScreenGeometry() const;
  // The window's geometry and panel arrangement, kept in QSettings (on close) and restored at
  // start only when the saved window fits `available`; false when nothing was restored.
  void saveLayout();
  bool restoreLayout(const QRect& available);

  // A tabbed dock to bring to the front whenever the panels come back (the training charts).
  void keepInFront(QDockWidget* dock) { m_frontDocks.append(dock); }

  // For the other panels (training): adds a dock and its toggle under View > Panels.
  void addPanel(QDockWidget* dock, Qt::DockWidgetArea area);

  GraphModel* model() const { return m_model; }
  GraphEditor* editor() const;
  GraphScene* scene() const { return m_scene; }
  GraphView* view() const { return m_view; }
  SampleGallery* gallery() const { return m_gallery; }
  OnnxTransfer* onnx() const { return m_onnx; }  // File > Export/Import ONNX
  PaletteWidget* palette() const { return m_palette; }
  InspectorWidget* inspector() const { return m_inspector; }
  // The canvas's right-click menu (edit and block actions), shown by a right click.
  QMenu* canvasMenu() const { return m_canvasMenu; }
  QDockWidget* paletteDock() const { return m_paletteDock; }
  QDockWidget* inspectorDock() const { return m_inspectorDock; }
  QDockWidget* historyDock() const { return m_historyDock; }
  QAction* action(const QString& objectName) const;  // "undo", "save", "delete", ...
  QString lastError() const { return m_lastError; }
  QString statusText() const;  // the status bar's labels, joined; for tests and logs

  // Shows an error in a (window-modal, non-blocking) message box and emits errorReported.
  void reportError(const QString& title, const QString& message);

  EditorActions* editActions() const { return m_editActions; }
  // Adds a layer in the middle of the visible canvas (palette double-click); returns its id.
  std::string addLayerAtCentre(const QString& type);
  // The layers that fit a wire dropped on empty canvas, as a popup at `scenePos`.
  void offerLayersAt(QPointF scenePos, const strata::Endpoint& end, bool fromOutput);

 signals:
  void errorReported(const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  QAction* makeAction(const QString& name, const QString& text, const QKeySequence& key = {});
  void createActions();
  void adoptEditActions();
  void createMenus();
  void createDocks();
  void createStatusBar();
  void populateSampleMenu();
  void chooseFile();
  void chooseSaveFile();
  void chooseExportFile();
  void showAbout();
  void showCanvas();
  void setDocksShown(bool shown);
  void updateStatus();
  void updateTitle();
  void updateActions();
  void updateInspectorSelection();
  void readSettings();
  QStringList canvasActionNames() const;

  GraphModel* m_model = nullptr;
  GraphScene* m_scene = nullptr;
  GraphView* m_view = nullptr;
  SampleGallery* m_gallery = nullptr;
  QStackedWidget* m_stack = nullptr;
  AutosaveManager* m_autosave = nullptr;
  EditorActions* m_editActions = nullptr;
  OnnxTransfer* m_onnx = nullptr;

  PaletteWidget* m_palette = nullptr;
  InspectorWidget* m_inspector = nullptr;
  QUndoView* m_history = nullptr;
  QDockWidget* m_paletteDock = nullptr;
  QDockWidget* m_inspectorDock = nullptr;
  QDockWidget* m_historyDock = nullptr;

  QMenu* m_sampleMenu = nullptr;
  QMenu* m_canvasMenu = nullptr;
  QMenu* m_panelsMenu = nullptr;
  QActionGroup* m_themeGroup = nullptr;
  QAction* m_lightAction = nullptr;
  QAction* m_darkAction = nullptr;

  RecoveryBar* m_recoveryBar = nullptr;

  QLabel* m_fileLabel = nullptr;
  QLabel* m_problemsLabel = nullptr;
  QLabel* m_paramsLabel = nullptr;
  QLabel* m_flopsLabel = nullptr;
  QLabel* m_zoomLabel = nullptr;

  SavePrompt m_savePrompt;
  QString m_filePath;  // where Save writes; empty for an untitled graph
  QString m_lastError;
  bool m_shownOnce = false;
  bool m_defaultLayoutPending = false;  // first start on the start page: size the panels later
  QList<QDockWidget*> m_dockedAway;
  QList<QDockWidget*> m_frontDocks;  // docks hidden while the gallery shows
};

}  // namespace strata::gui
