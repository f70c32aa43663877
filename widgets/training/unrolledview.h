// Unrolled view: a recurrent layer (RNN, LSTM, GRU) drawn as its time steps. The model runs up
// to the layer on a sample input (a probe Output on the layer's input), then layer 0 is
// re-stepped in plain C++ from its PyTorch-layout weights, so every step's hidden state, cell
// state (LSTM) and gate activations are at hand: one column per step, one row per unit.
#pragma once

#include <QTimer>
#include <QWidget>

#include <string>
#include <vector>

class QComboBox;
class QLabel;

namespace strata::gui {

class HeatmapView;
class TrainingController;

class UnrolledView final : public QWidget {
  Q_OBJECT

 public:
  explicit UnrolledView(TrainingController* controller, QWidget* parent = nullptr);
  ~UnrolledView() override;

  bool refresh();  // recomputes now; false on failure (the status line says why)
  int layerCount() const;
  void setLayer(int index);
  int stepCount() const { return m_steps; }
  int hiddenSize() const { return m_hidden; }
  bool isLstm() const { return m_kind == Kind::Lstm; }
  HeatmapView* hiddenView() const { return m_hiddenView; }
  HeatmapView* cellView() const { return m_cellView; }
  // Largest |h_t - out_t| against the layer's own forward (single-layer, one direction), or -1.
  double outputMismatch() const { return m_mismatch; }
  QString stepSummary(int step, int unit) const;  // the hover text
  QString statusText() const;

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  enum class Kind { Rnn, RnnRelu, Lstm, Gru };
  void rebuildLayerList();

  TrainingController* m_controller = nullptr;
  QComboBox* m_layer = nullptr;
  QLabel* m_status = nullptr;
  HeatmapView* m_hiddenView = nullptr;
  HeatmapView* m_cellView = nullptr;
  QTimer m_throttle;
  bool m_updating = false;

  // The last run, [step][unit] flattened (units fastest); gates [step][gate][unit].
  Kind m_kind = Kind::Lstm;
  int m_steps = 0;
  int m_hidden = 0;
  std::vector<float> m_h;
  std::vector<float> m_c;
  std::vector<float> m_gates;
  QStringList m_labels;
  double m_mismatch = -1.0;
};

}  // namespace strata::gui
