// HeatmapView: paints a row-major matrix as a colour grid (one QImage pixel per cell, scaled
// without smoothing) with labels on both axes and a hover read-out. Shared by the attention
// viewer (probabilities, a sequential map) and the unrolled RNN view (states, a diverging map).
#pragma once

#include <QImage>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <vector>

namespace strata::gui {

class HeatmapView final : public QWidget {
  Q_OBJECT

 public:
  enum class ColorMap { Sequential, Diverging };  // viridis on [lo, hi]; blue-white-red on ±hi

  explicit HeatmapView(QWidget* parent = nullptr);

  // values: rows * cols, row-major. Labels may be empty (indices are shown instead).
  void setMatrix(int rows, int cols, std::vector<float> values, double lo, double hi);
  void setColorMap(ColorMap map);
  void setAxisLabels(const QStringList& rowLabels, const QStringList& colLabels);
  void setAxisTitles(const QString& rowTitle, const QString& colTitle);
  void setCellSize(int minPx, int maxPx);
  // Off: cells stretch to fill width and height separately (tall matrices as thin strips).
  void setSquareCells(bool square);
  // Builds the hover text for a cell; the default shows "row, col: value".
  void setToolTipProvider(std::function<QString(int row, int col)> provider);
  void clear();

  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  float value(int row, int col) const { return m_values[size_t(row) * size_t(m_cols) + col]; }
  const std::vector<float>& values() const { return m_values; }
  QString hoverText() const { return m_hover; }
  static QRgb colorFor(ColorMap map, double t);  // t in [0, 1]

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override { return {160, 120}; }

 signals:
  void cellHovered(int row, int col);  // -1, -1 when the pointer leaves the grid

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  QRect gridRect() const;
  QSizeF cellSize() const;
  void rebuildImage();

  int m_rows = 0;
  int m_cols = 0;
  std::vector<float> m_values;
  double m_lo = 0.0;
  double m_hi = 1.0;
  ColorMap m_map = ColorMap::Sequential;
  QImage m_image;
  QStringList m_rowLabels;
  QStringList m_colLabels;
  QString m_rowTitle;
  QString m_colTitle;
  int m_minCell = 6;
  int m_maxCell = 22;
  bool m_square = true;
  int m_hoverRow = -1;
  int m_hoverCol = -1;
  QString m_hover;
  std::function<QString(int, int)> m_tooltip;
};

}  // namespace strata::gui
