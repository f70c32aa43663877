// Attention viewer: runs one forward of the controller's latest weights on a sample input with
// attention capture on and shows one layer's probabilities (one head, or their mean) as a
// query x key heatmap with the tokens on both axes. Follows training at most twice a second,
// on the GUI thread (it works on a copy of the weights, never on the trainer's model).
#pragma once

#include <QTimer>
#include <QWidget>

#include <string>

class QComboBox;
class QLabel;

namespace strata::gui {

class HeatmapView;
class TrainingController;

class AttentionViewer final : public QWidget {
  Q_OBJECT

 public:
  explicit AttentionViewer(TrainingController* controller, QWidget* parent = nullptr);
  ~AttentionViewer() override;

  // Recomputes now: re-reads the layer list, runs the forward and redraws. False on failure
  // (the status line says why).
  bool refresh();
  int layerCount() const;
  QString layerName(int index) const;
  void setLayer(int index);
  int headCount() const { return m_heads; }
  void setHead(int head);  // -1: the mean over heads
  HeatmapView* heatmap() const { return m_heatmap; }
  QString statusText() const;

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void rebuildLayerList();
  QString cellText(int row, int col) const;

  TrainingController* m_controller = nullptr;
  QComboBox* m_layer = nullptr;
  QComboBox* m_head = nullptr;
  QLabel* m_status = nullptr;
  HeatmapView* m_heatmap = nullptr;
  QTimer m_throttle;
  QStringList m_queryLabels;
  QStringList m_keyLabels;
  int m_heads = 0;
  bool m_updating = false;  // combo boxes being refilled: no recursive refresh
};

}  // namespace strata::gui
