// One line of canvas text shaped once and kept as glyph runs, so that a card repainted at a new
// zoom (its cached pixmap is dropped on every wheel step) draws its text without laying it out
// again. QPainter::drawText shapes and elides on every call; that dominated zooming.
#pragma once

#include <QFont>
#include <QGlyphRun>
#include <QList>
#include <QRectF>
#include <QString>

class QPainter;

namespace strata::gui {

class GlyphText final {
 public:
  GlyphText() = default;
  // `text` in `font`, elided on the right to `maxWidth` when that is positive.
  GlyphText(const QString& text, const QFont& font, qreal maxWidth = 0);

  qreal width() const { return m_width; }
  bool isEmpty() const { return m_runs.isEmpty(); }
  // Draws in the current pen, vertically centred in `rect`, at its left or right end
  // (Qt::AlignLeft or Qt::AlignRight), like drawText(rect, align | AlignVCenter, text).
  void draw(QPainter* painter, const QRectF& rect, Qt::Alignment align = Qt::AlignLeft) const;

 private:
  QString m_text;  // as shown (elided), for engines that keep text as text (SVG, PDF)
  QFont m_font;
  QList<QGlyphRun> m_runs;
  qreal m_width = 0;
  qreal m_height = 0;  // ascent + descent of the line
};

}  // namespace strata::gui
