#include "canvas/gradientoverlayitem.h"

#include <QLinearGradient>
#include <QPainter>

#include <cmath>

#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/nodeitem.h"

namespace strata::gui {

namespace {

// Low gradients cool (blue), high ones hot (red); a perceptual-ish three-stop ramp.
QColor ramp(double t) {
  t = std::clamp(t, 0.0, 1.0);
  const QColor a(0x31, 0x6b, 0xc4), b(0xf2, 0xc1, 0x4e), c(0xd6, 0x2b, 0x2b);
  const QColor& from = t < 0.5 ? a : b;
  const QColor& to = t < 0.5 ? b : c;
  const double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  return QColor::fromRgbF(from.redF() + (to.redF() - from.redF()) * u,
                          from.greenF() + (to.greenF() - from.greenF()) * u,
                          from.blueF() + (to.blueF() - from.blueF()) * u);
}

constexpr double kLegendW = 180, kLegendH = 44;

}  // namespace

GradientOverlayItem::GradientOverlayItem(GraphScene* scene) : m_scene(scene) {
  setZValue(1000);
  setAcceptedMouseButtons(Qt::NoButton);
  setAcceptHoverEvents(false);
  setFlag(QGraphicsItem::ItemIsSelectable, false);
  scene->addItem(this);
}

void GradientOverlayItem::setNorms(const std::map<std::string, double>& norms) {
  // The copies of a Repeat block's node fold onto its template card: the norm of all their
  // gradients together.
  m_norms.clear();
  const GraphAnalysis& analysis = m_scene->model()->analysis();
  for (const auto& [id, n] : norms) {
    const std::string node = analysis.documentNode(id);
    m_norms[node] = node == id ? n : std::hypot(m_norms[node], n);
  }
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [_, n] : m_norms)
    if (n > 0 && std::isfinite(n)) {
      lo = std::min(lo, std::log10(n));
      hi = std::max(hi, std::log10(n));
    }
  if (std::isfinite(lo)) {
    m_logLo = std::floor(lo);
    m_logHi = std::max(std::ceil(hi), m_logLo + 1);
  }
  updateGeometry();
  setVisible(true);
}

void GradientOverlayItem::clearNorms() {
  m_norms.clear();
  updateGeometry();
}

QColor GradientOverlayItem::colorFor(double norm) const {
  if (!(norm > 0) || !std::isfinite(norm)) return QColor(0x9e, 0x9e, 0x9e);
  return ramp((std::log10(norm) - m_logLo) / (m_logHi - m_logLo));
}

void GradientOverlayItem::updateGeometry() {
  prepareGeometryChange();
  m_bounds = m_scene ? m_scene->graphBounds() : QRectF();
  update();
}

QRectF GradientOverlayItem::legendRect() const {
  return {m_bounds.right() - kLegendW, m_bounds.top() - kLegendH - 16, kLegendW, kLegendH};
}

QRectF GradientOverlayItem::boundingRect() const {
  if (m_norms.empty()) return {};
  return m_bounds.united(legendRect()).adjusted(-4, -4, 4, 4);
}

void GradientOverlayItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  if (m_norms.empty() || !m_scene) return;
  painter->setRenderHint(QPainter::Antialiasing);
  QFont small = painter->font();
  small.setPointSizeF(7.5);
  painter->setFont(small);
  for (const auto& [id, norm] : m_norms) {
    const NodeItem* node = m_scene->nodeItem(id);
    if (!node || !node->isVisible()) continue;  // hidden inside a collapsed block
    const QRectF r = node->mapRectToScene(node->cardRect());
    QColor c = colorFor(norm);
    c.setAlphaF(0.30);
    painter->setPen(QPen(colorFor(norm), 3));
    painter->setBrush(c);
    painter->drawRoundedRect(r.adjusted(-3, -3, 3, 3), 9, 9);
    const QRectF tag(r.right() - 74, r.bottom() + 4, 74, 16);
    painter->setPen(Qt::NoPen);
    painter->setBrush(colorFor(norm));
    painter->drawRoundedRect(tag, 4, 4);
    painter->setPen(Qt::white);
    painter->drawText(tag, Qt::AlignCenter, QStringLiteral("|g| %1").arg(norm, 0, 'g', 2));
  }
  // Legend.
  const QRectF lr = legendRect();
  painter->setPen(QPen(QColor(0, 0, 0, 60)));
  painter->setBrush(QColor(255, 255, 255, 230));
  painter->drawRoundedRect(lr, 6, 6);
  const QRectF bar(lr.left() + 8, lr.top() + 20, lr.width() - 16, 8);
  QLinearGradient g(bar.topLeft(), bar.topRight());
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) g.setColorAt(t, ramp(t));
  painter->setPen(Qt::NoPen);
  painter->setBrush(g);
  painter->drawRect(bar);
  painter->setPen(QColor(0x30, 0x30, 0x30));
  painter->drawText(QRectF(lr.left() + 8, lr.top() + 3, lr.width() - 16, 16), Qt::AlignLeft,
                    tr("gradient norm (log)"));
  painter->drawText(QRectF(bar.left(), bar.bottom() + 1, 60, 14), Qt::AlignLeft,
                    QStringLiteral("1e%1").arg(m_logLo));
  painter->drawText(QRectF(bar.right() - 60, bar.bottom() + 1, 60, 14), Qt::AlignRight,
                    QStringLiteral("1e%1").arg(m_logHi));
}

}  // namespace strata::gui
