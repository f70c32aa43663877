// Colour choices: a calm neutral card on a near-white canvas, saturated colour only where it
// carries meaning (layer category, value kind, error).
#include "canvas/canvastheme.h"

#include <QFontDatabase>

namespace strata::gui {

namespace {

QColor blend(const QColor& a, const QColor& b, double t) {
  return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                          float(a.greenF() * (1 - t) + b.greenF() * t),
                          float(a.blueF() * (1 - t) + b.blueF() * t));
}

}  // namespace

CanvasTheme CanvasTheme::light() {
  CanvasTheme t;
  t.background = QColor(0xf6, 0xf7, 0xf9);
  t.gridMinor = QColor(0xeb, 0xed, 0xf1);
  t.gridMajor = QColor(0xdf, 0xe2, 0xe8);
  t.cardFill = QColor(0xff, 0xff, 0xff);
  t.cardBorder = QColor(0xd3, 0xd8, 0xe0);
  t.cardSelected = QColor(0x3b, 0x82, 0xf6);
  t.shadow = QColor(0x10, 0x18, 0x28);
  t.divider = QColor(0xea, 0xec, 0xf0);
  t.title = QColor(0x10, 0x18, 0x28);
  t.text = QColor(0x34, 0x40, 0x54);
  t.muted = QColor(0x66, 0x70, 0x85);
  t.edge = QColor(0x98, 0xa2, 0xb3);
  t.labelFill = QColor(0xff, 0xff, 0xff);
  t.labelBorder = QColor(0xd0, 0xd5, 0xdd);
  t.labelText = QColor(0x34, 0x40, 0x54);
  t.portRing = QColor(0xff, 0xff, 0xff);
  t.error = QColor(0xd9, 0x2d, 0x20);
  t.errorFill = QColor(0xfe, 0xf3, 0xf2);
  return t;
}

CanvasTheme CanvasTheme::dark() {
  CanvasTheme t;
  t.isDark = true;
  t.background = QColor(0x1b, 0x1e, 0x24);
  t.gridMinor = QColor(0x23, 0x27, 0x2e);
  t.gridMajor = QColor(0x2c, 0x31, 0x39);
  t.cardFill = QColor(0x2a, 0x2f, 0x37);
  t.cardBorder = QColor(0x3d, 0x44, 0x4f);
  t.cardSelected = QColor(0x60, 0xa5, 0xfa);
  t.shadow = QColor(0x00, 0x00, 0x00);
  t.divider = QColor(0x36, 0x3c, 0x46);
  t.title = QColor(0xf2, 0xf4, 0xf7);
  t.text = QColor(0xd0, 0xd5, 0xdd);
  t.muted = QColor(0x98, 0xa2, 0xb3);
  t.edge = QColor(0x66, 0x70, 0x85);
  t.labelFill = QColor(0x2a, 0x2f, 0x37);
  t.labelBorder = QColor(0x47, 0x50, 0x5c);
  t.labelText = QColor(0xd0, 0xd5, 0xdd);
  t.portRing = QColor(0x2a, 0x2f, 0x37);
  t.error = QColor(0xf9, 0x70, 0x66);
  t.errorFill = QColor(0x3d, 0x25, 0x26);
  return t;
}

QColor CanvasTheme::categoryColor(const std::string& category) const {
  if (category == "Inputs") return QColor(0x10, 0xb9, 0x81);
  if (category == "Recurrent") return QColor(0x8b, 0x5c, 0xf6);
  if (category == "Attention") return QColor(0xec, 0x48, 0x99);
  if (category == "Dense") return QColor(0x3b, 0x82, 0xf6);
  if (category == "Activations") return QColor(0xf5, 0x9e, 0x0b);
  if (category == "Structure") return QColor(0x06, 0xb6, 0xd4);
  if (category == "Normalization") return QColor(0x14, 0xb8, 0xa6);
  if (category == "Losses") return QColor(0xef, 0x44, 0x44);
  if (category == "Outputs") return QColor(0x64, 0x74, 0x8b);
  return QColor(0x94, 0xa3, 0xb8);  // unknown type or a category added later
}

QColor CanvasTheme::kindColor(ValueKind kind) const {
  switch (kind) {
    case ValueKind::Float: return QColor(0x3b, 0x82, 0xf6);
    case ValueKind::Int64: return QColor(0xf5, 0x9e, 0x0b);
    case ValueKind::Any: break;
  }
  return QColor(0x94, 0xa3, 0xb8);
}

QColor CanvasTheme::headerTint(const QColor& category) const {
  return blend(cardFill, category, isDark ? 0.16 : 0.07);
}

QFont CanvasTheme::titleFont() {
  QFont f;
  f.setPixelSize(13);
  f.setWeight(QFont::DemiBold);
  return f;
}

QFont CanvasTheme::bodyFont() {
  QFont f;
  f.setPixelSize(11);
  return f;
}

QFont CanvasTheme::smallFont() {
  QFont f;
  f.setPixelSize(10);
  return f;
}

QFont CanvasTheme::monoFont() {
  QFont f = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  f.setPixelSize(10);
  return f;
}

}  // namespace strata::gui
