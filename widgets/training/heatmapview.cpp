#include "training/heatmapview.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>

namespace strata::gui {

namespace {

constexpr int kLabelGap = 4;
constexpr int kColorBarWidth = 12;

// Viridis, 9 stops (matplotlib's), linearly interpolated: perceptually uniform and legible in
// greyscale.
constexpr std::array<QRgb, 9> kViridis = {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c,
                                          0x28ae80, 0x5ec962, 0xaddc30, 0xfde725};
// A blue-white-red diverging map (ColorBrewer RdBu, reversed) for signed states.
constexpr std::array<QRgb, 9> kDiverging = {0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                            0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b};

// Every n-th label so that labels of `textPx` never overlap on cells of `cellPx`; a round step
// (1, 2, 4, 8, 16, 32, ...) so that the labelled indices are easy to read.
int labelStep(int textPx, double cellPx) {
  int step = 1;
  while (step * cellPx < textPx) step *= 2;
  return step;
}

QRgb lerp(QRgb a, QRgb b, double t) {
  auto mix = [t](int x, int y) { return static_cast<int>(std::lround(x + (y - x) * t)); };
  return qRgb(mix(qRed(a), qRed(b)), mix(qGreen(a), qGreen(b)), mix(qBlue(a), qBlue(b)));
}

}  // namespace

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QRgb HeatmapView::colorFor(ColorMap map, double t) {
  const auto& stops = map == ColorMap::Sequential ? kViridis : kDiverging;
  if (!std::isfinite(t)) return qRgb(0x80, 0x80, 0x80);
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(stops.size() - 1);
  const auto i = std::min<size_t>(static_cast<size_t>(t), stops.size() - 2);
  return lerp(stops[i] | 0xff000000u, stops[i + 1] | 0xff000000u, t - static_cast<double>(i));
}

void HeatmapView::setMatrix(int rows, int cols, std::vector<float> values, double lo, double hi) {
  m_rows = rows;
  m_cols = cols;
  m_values = std::move(values);
  m_values.resize(static_cast<size_t>(rows) * static_cast<size_t>(cols), 0.0f);
  m_lo = lo;
  m_hi = hi > lo ? hi : lo + 1e-6;
  rebuildImage();
  updateGeometry();
  update();
}

void HeatmapView::setColorMap(ColorMap map) {
  m_map = map;
  rebuildImage();
  update();
}

void HeatmapView::setAxisLabels(const QStringList& rowLabels, const QStringList& colLabels) {
  m_rowLabels = rowLabels;
  m_colLabels = colLabels;
  update();
}

void HeatmapView::setAxisTitles(const QString& rowTitle, const QString& colTitle) {
  m_rowTitle = rowTitle;
  m_colTitle = colTitle;
  update();
}

void HeatmapView::setCellSize(int minPx, int maxPx) {
  m_minCell = minPx;
  m_maxCell = std::max(minPx, maxPx);
  updateGeometry();
  update();
}

void HeatmapView::setSquareCells(bool square) {
  m_square = square;
  update();
}

void HeatmapView::setToolTipProvider(std::function<QString(int, int)> provider) {
  m_tooltip = std::move(provider);
}

void HeatmapView::clear() { setMatrix(0, 0, {}, 0.0, 1.0); }

void HeatmapView::rebuildImage() {
  if (m_rows <= 0 || m_cols <= 0) {
    m_image = QImage();
    return;
  }
  m_image = QImage(m_cols, m_rows, QImage::Format_RGB32);
  const double span = m_hi - m_lo;
  const double absMax = std::max(std::abs(m_lo), std::abs(m_hi));
  for (int r = 0; r < m_rows; ++r) {
    auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(r));
    for (int c = 0; c < m_cols; ++c) {
      const double v = value(r, c);
      // Diverging maps centre on zero so that white always means "0".
      const double t = m_map == ColorMap::Sequential ? (v - m_lo) / span
                                                     : 0.5 + 0.5 * v / std::max(absMax, 1e-12);
      line[c] = colorFor(m_map, t);
    }
  }
}

QSizeF HeatmapView::cellSize() const {
  if (m_rows <= 0 || m_cols <= 0) return {double(m_minCell), double(m_minCell)};
  const QFontMetrics fm(font());
  const int left = fm.horizontalAdvance(QStringLiteral("00000")) + fm.height() + kLabelGap * 2;
  const int top = fm.height() * 2 + kLabelGap * 2;
  const double maxCell = m_maxCell;
  const double w = std::clamp(double(width() - left - kColorBarWidth - 48) / m_cols, 1.0, maxCell);
  const double h = std::clamp(double(height() - top - kLabelGap) / m_rows, 0.25, maxCell);
  if (!m_square) return {std::floor(w), h};  // rows may share a pixel: the image is scaled
  const double px = std::max(1.0, std::floor(std::min(w, h)));
  return {px, px};
}

QRect HeatmapView::gridRect() const {
  const QFontMetrics fm(font());
  const int left = fm.horizontalAdvance(QStringLiteral("00000")) + fm.height() + kLabelGap * 2;
  const int top = fm.height() * 2 + kLabelGap * 2;
  const QSizeF cell = cellSize();
  return {left, top, static_cast<int>(std::lround(cell.width() * m_cols)),
          static_cast<int>(std::lround(cell.height() * m_rows))};
}

QSize HeatmapView::sizeHint() const {
  const QFontMetrics fm(font());
  const int cell = (m_minCell + m_maxCell) / 2;
  return {std::max(240, m_cols * cell + 120), std::max(160, m_rows * cell + fm.height() * 3)};
}

void HeatmapView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (m_image.isNull()) return;
  const QRect grid = gridRect();
  const QSizeF cell = cellSize();
  const double px = cell.width();
  const double py = cell.height();
  p.drawImage(grid, m_image);  // nearest-neighbour: crisp cells
  // A faint cell grid when cells are big enough to read one by one.
  if (px >= 8 && py >= 8) {
    p.setPen(QPen(QColor(255, 255, 255, 50), 1));
    for (int c = 1; c < m_cols; ++c)
      p.drawLine(QPointF(grid.left() + c * px, grid.top()),
                 QPointF(grid.left() + c * px, grid.bottom()));
    for (int r = 1; r < m_rows; ++r)
      p.drawLine(QPointF(grid.left(), grid.top() + r * py),
                 QPointF(grid.right(), grid.top() + r * py));
  }
  p.setPen(QPen(palette().text().color(), 1));
  p.drawRect(grid.adjusted(0, 0, -1, -1));
  if (m_hoverRow >= 0 && m_hoverCol >= 0) {
    p.setPen(QPen(QColor(0xff, 0x7f, 0x0e), 2));
    p.drawRect(QRectF(grid.left() + m_hoverCol * px, grid.top() + m_hoverRow * py, px,
                      std::max(py, 2.0)));
  }

  // Labels: skip some when the cells are smaller than the text.
  const QFontMetrics fm(font());
  p.setPen(palette().text().color());
  const int rowStep = labelStep(fm.ascent(), py);  // short labels may nearly touch
  for (int r = 0; r < m_rows; r += rowStep) {
    const QString text = r < m_rowLabels.size() ? m_rowLabels[r] : QString::number(r);
    const int centre = static_cast<int>(grid.top() + (r + 0.5) * py);
    const QRect box(0, centre - fm.height() / 2, grid.left() - kLabelGap, fm.height());
    p.drawText(box, Qt::AlignRight | Qt::AlignVCenter, text);
  }
  int colWidth = m_colLabels.isEmpty()
                     ? fm.horizontalAdvance(QString::number(std::max(0, m_cols - 1))) + 4
                     : 0;
  for (const QString& label : m_colLabels)
    colWidth = std::max(colWidth, fm.horizontalAdvance(label) + 1);
  const int colStep = labelStep(colWidth, px);
  for (int c = 0; c < m_cols; c += colStep) {
    const QString text = c < m_colLabels.size() ? m_colLabels[c] : QString::number(c);
    const int centre = static_cast<int>(grid.left() + (c + 0.5) * px);
    const QRect box(centre - colWidth, grid.top() - fm.height() - kLabelGap, 2 * colWidth,
                    fm.height());
    p.drawText(box, Qt::AlignHCenter | Qt::AlignBottom, text);
  }
  QFont small = font();
  small.setItalic(true);
  p.setFont(small);
  p.setPen(palette().placeholderText().color());
  if (!m_colTitle.isEmpty())
    p.drawText(QRect(grid.left(), 0, grid.width(), fm.height() + 2), Qt::AlignLeft, m_colTitle);
  if (!m_rowTitle.isEmpty()) {
    p.save();
    p.translate(fm.height() - 2, grid.top() + grid.height() / 2);
    p.rotate(-90);
    p.drawText(QRect(-grid.height() / 2, -fm.height(), grid.height(), fm.height()),
               Qt::AlignHCenter, m_rowTitle);
    p.restore();
  }

  // Colour bar with the range.
  p.setFont(font());
  const QRect bar(grid.right() + 12, grid.top(), kColorBarWidth, std::max(grid.height(), 40));
  for (int y = 0; y < bar.height(); ++y) {
    const double t = 1.0 - static_cast<double>(y) / std::max(1, bar.height() - 1);
    p.setPen(QColor(colorFor(m_map, t)));
    p.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
  }
  p.setPen(palette().text().color());
  const double absMax = std::max(std::abs(m_lo), std::abs(m_hi));
  const double top = m_map == ColorMap::Sequential ? m_hi : absMax;
  const double bottom = m_map == ColorMap::Sequential ? m_lo : -absMax;
  p.drawText(bar.right() + 3, bar.top() + fm.ascent(), QString::number(top, 'g', 2));
  p.drawText(bar.right() + 3, bar.bottom(), QString::number(bottom, 'g', 2));
}

void HeatmapView::mouseMoveEvent(QMouseEvent* event) {
  const QRect grid = gridRect();
  const QSizeF cell = cellSize();
  const QPoint pos = event->position().toPoint();
  int row = -1, col = -1;
  if (grid.contains(pos)) {
    row = std::min(m_rows - 1, static_cast<int>((pos.y() - grid.top()) / cell.height()));
    col = std::min(m_cols - 1, static_cast<int>((pos.x() - grid.left()) / cell.width()));
  }
  if (row == m_hoverRow && col == m_hoverCol) return;
  m_hoverRow = row;
  m_hoverCol = col;
  if (row >= 0) {
    m_hover = m_tooltip ? m_tooltip(row, col)
                        : QStringLiteral("%1, %2: %3").arg(row).arg(col).arg(value(row, col));
    QToolTip::showText(event->globalPosition().toPoint(), m_hover, this);
  } else {
    m_hover.clear();
    QToolTip::hideText();
  }
  emit cellHovered(row, col);
  update();
}

void HeatmapView::leaveEvent(QEvent*) {
  m_hoverRow = m_hoverCol = -1;
  m_hover.clear();
  emit cellHovered(-1, -1);
  update();
}

}  // namespace strata::gui
