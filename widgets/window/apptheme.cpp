#include "window/apptheme.h"

#include <QApplication>
#include <QStyle>
#include <QStyleFactory>

namespace strata::gui {

QPalette AppTheme::palette(bool dark) {
  QPalette p;
  if (!dark) {
    p.setColor(QPalette::Window, QColor(0xf3, 0xf4, 0xf6));
    p.setColor(QPalette::WindowText, QColor(0x1d, 0x29, 0x39));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf6, 0xf7, 0xf9));
    p.setColor(QPalette::Text, QColor(0x1d, 0x29, 0x39));
    p.setColor(QPalette::PlaceholderText, QColor(0x66, 0x70, 0x85));
    p.setColor(QPalette::Button, QColor(0xf9, 0xfa, 0xfb));
    p.setColor(QPalette::ButtonText, QColor(0x1d, 0x29, 0x39));
    p.setColor(QPalette::Mid, QColor(0xd0, 0xd5, 0xdd));
    p.setColor(QPalette::Highlight, QColor(0x3b, 0x82, 0xf6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x1d, 0x29, 0x39));
    p.setColor(QPalette::ToolTipText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x25, 0x63, 0xeb));
  } else {
    p.setColor(QPalette::Window, QColor(0x23, 0x27, 0x2e));
    p.setColor(QPalette::WindowText, QColor(0xe4, 0xe7, 0xec));
    p.setColor(QPalette::Base, QColor(0x1b, 0x1e, 0x24));
    p.setColor(QPalette::AlternateBase, QColor(0x2a, 0x2f, 0x37));
    p.setColor(QPalette::Text, QColor(0xe4, 0xe7, 0xec));
    p.setColor(QPalette::PlaceholderText, QColor(0x98, 0xa2, 0xb3));
    p.setColor(QPalette::Button, QColor(0x2c, 0x31, 0x39));
    p.setColor(QPalette::ButtonText, QColor(0xe4, 0xe7, 0xec));
    p.setColor(QPalette::Light, QColor(0x3d, 0x44, 0x4f));
    p.setColor(QPalette::Midlight, QColor(0x34, 0x3a, 0x44));
    p.setColor(QPalette::Mid, QColor(0x2c, 0x31, 0x39));
    p.setColor(QPalette::Dark, QColor(0x15, 0x18, 0x1d));
    p.setColor(QPalette::Shadow, QColor(0x0b, 0x0d, 0x10));
    p.setColor(QPalette::Highlight, QColor(0x3b, 0x82, 0xf6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::ToolTipBase, QColor(0x2a, 0x2f, 0x37));
    p.setColor(QPalette::ToolTipText, QColor(0xe4, 0xe7, 0xec));
    p.setColor(QPalette::Link, QColor(0x60, 0xa5, 0xfa));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
      p.setColor(QPalette::Disabled, role, QColor(0x66, 0x70, 0x85));
  }
  return p;
}

void AppTheme::apply(bool dark) {
  if (QApplication::style()->name() != QLatin1String("fusion"))
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  QApplication::setPalette(palette(dark));
}

}  // namespace strata::gui
