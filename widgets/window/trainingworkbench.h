// Installs the training workbench into a MainWindow: the controller, the Training dock (with the
// sweep box), the Runs dock, the charts, playground, attention and unrolled-RNN docks, the
// gradient overlay on the canvas and the "training" banner.
// One call from main(); the main window's own code needs no change.
#pragma once

#include <QObject>

namespace strata::gui {

class AttentionViewer;
class GradientOverlayItem;
class InferencePlayground;
class MainWindow;
class RunsDock;
class SweepPanel;
class SweepRunner;
class TrainingBanner;
class TrainingCharts;
class TrainingController;
class TrainingPanel;
class UnrolledView;

class TrainingWorkbench final : public QObject {
  Q_OBJECT

 public:
  explicit TrainingWorkbench(MainWindow* window);
  ~TrainingWorkbench() override;
  static TrainingWorkbench* install(MainWindow* window) { return new TrainingWorkbench(window); }

  TrainingController* controller() const { return m_controller; }
  TrainingPanel* panel() const { return m_panel; }
  TrainingCharts* charts() const { return m_charts; }
  InferencePlayground* playground() const { return m_playground; }
  AttentionViewer* attentionViewer() const { return m_attention; }
  UnrolledView* unrolledView() const { return m_unrolled; }
  GradientOverlayItem* overlay() const { return m_overlay; }
  TrainingBanner* banner() const { return m_banner; }
  RunsDock* runs() const { return m_runs; }
  SweepRunner* sweeps() const { return m_sweeps; }
  SweepPanel* sweepPanel() const { return m_sweepPanel; }

 private:
  void addTrainingMenu();  // Training → Train (F5), Pause (F6), Resume (Shift+F6), Stop (Shift+F5)
  void installRuns();      // the Runs dock and the sweep box, wired to the controller
  void openRun(const QString& graphPath, const QString& weightsPath);

  MainWindow* m_window = nullptr;
  TrainingController* m_controller = nullptr;
  TrainingPanel* m_panel = nullptr;
  TrainingCharts* m_charts = nullptr;
  InferencePlayground* m_playground = nullptr;
  AttentionViewer* m_attention = nullptr;
  UnrolledView* m_unrolled = nullptr;
  GradientOverlayItem* m_overlay = nullptr;
  TrainingBanner* m_banner = nullptr;
  RunsDock* m_runs = nullptr;
  SweepRunner* m_sweeps = nullptr;
  SweepPanel* m_sweepPanel = nullptr;
};

}  // namespace strata::gui
