#include "canvas/glyphtext.h"

#include <QFontMetricsF>
#include <QPaintEngine>
#include <QPainter>
#include <QTextLayout>

namespace strata::gui {

GlyphText::GlyphText(const QString& text, const QFont& font, qreal maxWidth) {
  const QString shown =
      maxWidth > 0 ? QFontMetricsF(font).elidedText(text, Qt::ElideRight, maxWidth) : text;
  if (shown.isEmpty()) return;
  m_text = shown;
  m_font = font;
  QTextLayout layout(shown, font);
  layout.setCacheEnabled(true);
  layout.beginLayout();
  QTextLine line = layout.createLine();
  line.setLeadingIncluded(false);
  layout.endLayout();
  m_width = line.naturalTextWidth();
  m_height = line.ascent() + line.descent();
  m_runs = layout.glyphRuns();
}

void GlyphText::draw(QPainter* painter, const QRectF& rect, Qt::Alignment align) const {
  // The runs' positions put the baseline at the line's ascent below the origin.
  const qreal x = align & Qt::AlignRight ? rect.right() - m_width : rect.left();
  const QPointF origin(x, rect.center().y() - m_height / 2);
  // Glyph runs reach a vector engine as outlines: an exported SVG would lose its text.
  if (painter->paintEngine() && painter->paintEngine()->type() != QPaintEngine::Raster) {
    painter->setFont(m_font);
    painter->drawText(QRectF(x, rect.top(), m_width + 1, rect.height()),
                      Qt::AlignLeft | Qt::AlignVCenter | Qt::TextDontClip, m_text);
    return;
  }
  for (const QGlyphRun& run : m_runs) painter->drawGlyphRun(origin, run);
}

}  // namespace strata::gui
