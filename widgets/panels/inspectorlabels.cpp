#include "panels/inspectorlabels.h"

#include <QLabel>

namespace strata::gui::inspector {

QLabel* title() {
  auto* l = new QLabel;
  QFont f = l->font();
  f.setPointSizeF(f.pointSizeF() * 1.2);
  f.setBold(true);
  l->setFont(f);
  return l;
}

QLabel* note(const QString& text) {
  auto* l = new QLabel(text);
  l->setWordWrap(true);
  l->setForegroundRole(QPalette::PlaceholderText);
  return l;
}

QLabel* errorBox() {
  auto* l = new QLabel;
  l->setWordWrap(true);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  l->setStyleSheet(QStringLiteral("QLabel { color: #b42318; background: #fef3f2; border: "
                                  "1px solid #fda29b; border-radius: 4px; padding: 6px; }"));
  return l;
}

QLabel* fieldMessage() {
  auto* l = new QLabel;
  l->setWordWrap(true);
  l->setStyleSheet(QStringLiteral("color: #d92d20;"));
  l->hide();
  return l;
}

QLabel* section(const QString& text) {
  auto* l = new QLabel(text.toUpper());
  QFont f = l->font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  f.setBold(true);
  f.setLetterSpacing(QFont::PercentageSpacing, 108);
  l->setFont(f);
  l->setForegroundRole(QPalette::PlaceholderText);
  l->setContentsMargins(0, 8, 0, 0);
  return l;
}

}  // namespace strata::gui::inspector
