// The main window of `strata`: the sample gallery or the graph canvas in the middle, File / View /
// Help menus, and a status bar with the model's parameter and FLOP totals and the file name.
#pragma once

#include <QMainWindow>

class QAction;
class QLabel;
class QMenu;
class QStackedWidget;

namespace strata::gui {

class GraphModel;
class GraphScene;
class GraphView;
class SampleGallery;

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a graph on the canvas. On failure the current graph stays, the reason is reported
  // (reportError) and false is returned.
  bool openFile(const QString& path);
  void showGallery();
  bool isShowingGallery() const;

  GraphModel* model() const { return m_model; }
  GraphScene* scene() const { return m_scene; }
  GraphView* view() const { return m_view; }
  SampleGallery* gallery() const { return m_gallery; }
  QString lastError() const { return m_lastError; }
  QString statusText() const;  // the status bar's labels, joined; for tests and logs

  // Shows an error in a (window-modal, non-blocking) message box and emits errorReported.
  void reportError(const QString& title, const QString& message);

 signals:
  void errorReported(const QString& message);

 private:
  void createActions();
  void createMenus();
  void createStatusBar();
  void populateSampleMenu();
  void chooseFile();
  void showAbout();
  void setDarkCanvas(bool dark);
  void updateStatus();
  void updateTitle();
  void updateActions();

  GraphModel* m_model = nullptr;
  GraphScene* m_scene = nullptr;
  GraphView* m_view = nullptr;
  SampleGallery* m_gallery = nullptr;
  QStackedWidget* m_stack = nullptr;

  QMenu* m_sampleMenu = nullptr;
  QAction* m_openAction = nullptr;
  QAction* m_galleryAction = nullptr;
  QAction* m_quitAction = nullptr;
  QAction* m_zoomInAction = nullptr;
  QAction* m_zoomOutAction = nullptr;
  QAction* m_zoomResetAction = nullptr;
  QAction* m_fitAction = nullptr;
  QAction* m_darkAction = nullptr;
  QAction* m_aboutAction = nullptr;

  QLabel* m_fileLabel = nullptr;
  QLabel* m_problemsLabel = nullptr;
  QLabel* m_paramsLabel = nullptr;
  QLabel* m_flopsLabel = nullptr;
  QLabel* m_zoomLabel = nullptr;

  QString m_lastError;
};

}  // namespace strata::gui
