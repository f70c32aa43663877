// Live training charts (Qt Charts): loss per step (raw, EMA-smoothed) with validation loss per
// epoch, accuracy when the task has one, learning rate and throughput. Every value is kept; what
// is drawn is decimated to min/max per pixel column and redrawn in batches at most ~15 times a
// second. Steering changes show as labelled vertical markers. Exports PNG and CSV (all data).
// Earlier runs (from their run records) can be overlaid on the loss and accuracy charts, one
// colour and legend entry per run, for side-by-side comparison.
#pragma once

#include <QColor>
#include <QHash>
#include <QList>
#include <QPoint>
#include <QPointF>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <vector>

#include "train/metrics_channel.h"

class QAbstractAxis;
class QChart;
class QChartView;
class QCheckBox;
class QGridLayout;
class QGraphicsSimpleTextItem;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QSlider;
class QValueAxis;

namespace strata::gui {

// One earlier run drawn over the charts: its name (the legend) and its logged steps.
struct ChartOverlay {
  QString name;
  std::vector<strata::StepMetrics> rows;
};

class TrainingCharts final : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingCharts(QWidget* parent = nullptr);
  ~TrainingCharts() override;

  void clear();
  void appendMetrics(const std::vector<strata::StepMetrics>& batch);
  void addMarker(qint64 step, const QString& label);
  void setSmoothing(double weight);  // EMA weight in [0, 0.99]
  double smoothing() const { return m_smoothing; }
  void setLogScale(bool on);
  // Replaces the overlaid runs (none: only the live run).
  void setOverlays(const std::vector<ChartOverlay>& overlays);
  int overlayCount() const { return static_cast<int>(m_overlays.size()); }
  // The overlay series of run `i`: training loss, validation loss, accuracy, validation accuracy.
  QList<QLineSeries*> overlaySeries(int i) const;
  QColor overlayColor(int i) const;  // the colour of run i's curves
  QChart* accuracyChart() const { return m_accChart; }
  bool logScale() const { return m_logScale; }

  bool exportCsv(const QString& path) const;
  bool exportPng(const QString& path);
  void refreshNow();  // redraw now instead of at the next tick

  // For tests and the benchmark.
  qsizetype stepCount() const { return static_cast<qsizetype>(m_steps.size()); }
  qsizetype validationCount() const { return m_valLoss.size(); }
  QLineSeries* lossSeries() const { return m_lossRaw; }
  QLineSeries* smoothedLossSeries() const { return m_lossSmooth; }
  QString readout() const;
  int refreshCount() const { return m_refreshes; }
  QChartView* lossView() const { return m_lossView; }
  QValueAxis* lossStepAxis() const { return m_lossX; }
  QValueAxis* lossValueAxis() const { return m_lossYLinear; }
  QLogValueAxis* lossLogAxis() const { return m_lossYLog; }
  QValueAxis* lrValueAxis() const { return m_lrY; }

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  QChartView* makeView(QChart* chart);
  void arrange(bool oneRow);
  void chooseFile(bool png);
  void refresh();
  void updateMarkerLabels();
  void showReadout(const QPointF& point, bool state);
  int plotBuckets(const QChart* chart) const;
  static QPoint tickRoom(const QChart* chart);  // ticks that fit: (step axis, value axis)

  // All data, by step.
  std::vector<double> m_steps, m_loss, m_acc, m_lr, m_sps;
  QList<QPointF> m_valLoss, m_valAcc;
  struct Marker {
    qint64 step;
    QString label;
    QLineSeries* line;
    QGraphicsSimpleTextItem* text;
  };
  std::vector<Marker> m_markers;
  std::vector<StepMetrics> m_validationRows;  // for the CSV
  struct Overlay {
    QString name;
    std::vector<double> steps, loss, acc;
    QList<QPointF> valLoss, valAcc;
    QLineSeries* lossLine = nullptr;
    QLineSeries* valLine = nullptr;
    QLineSeries* accLine = nullptr;
    QLineSeries* valAccLine = nullptr;
  };
  std::vector<Overlay> m_overlays;

  QChart* m_lossChart = nullptr;
  QChart* m_accChart = nullptr;
  QChart* m_lrChart = nullptr;
  QChart* m_spsChart = nullptr;
  QChartView* m_lossView = nullptr;
  QList<QChartView*> m_views;
  QGridLayout* m_grid = nullptr;
  bool m_oneRow = false;
  QLineSeries* m_lossRaw = nullptr;
  QLineSeries* m_lossSmooth = nullptr;
  QLineSeries* m_valLossSeries = nullptr;
  QScatterSeries* m_valLossDots = nullptr;
  QLineSeries* m_accSmooth = nullptr;
  QLineSeries* m_valAccSeries = nullptr;
  QLineSeries* m_lrSeries = nullptr;
  QLineSeries* m_spsSeries = nullptr;
  QValueAxis* m_lossX = nullptr;
  QValueAxis* m_lossYLinear = nullptr;
  QLogValueAxis* m_lossYLog = nullptr;
  QValueAxis* m_accX = nullptr;
  QValueAxis* m_accY = nullptr;
  QValueAxis* m_lrX = nullptr;
  QValueAxis* m_lrY = nullptr;
  QValueAxis* m_spsX = nullptr;
  QValueAxis* m_spsY = nullptr;

  QSlider* m_smoothSlider = nullptr;
  QLabel* m_smoothLabel = nullptr;
  QCheckBox* m_logBox = nullptr;
  QLabel* m_readout = nullptr;
  QTimer m_refreshTimer;
  bool m_dirty = false;
  QHash<const QChart*, QPoint> m_tickRoom;  // the tick counts the last refresh used
  double m_smoothing = 0.6;
  bool m_logScale = false;
  int m_refreshes = 0;
};

}  // namespace strata::gui
