#include "window/recoverybar.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace strata::gui {

RecoveryBar::RecoveryBar(QWidget* parent) : QFrame(parent), m_label(new QLabel) {
  setObjectName(QStringLiteral("recoveryBar"));
  setStyleSheet(QStringLiteral(
      "#recoveryBar { background: #fffaeb; border-bottom: 1px solid #fedf89; }"
      "#recoveryBar QLabel { color: #93370d; }"));
  m_label->setWordWrap(true);
  auto* recover = new QPushButton(tr("Recover"));
  auto* discard = new QPushButton(tr("Discard"));
  connect(recover, &QPushButton::clicked, this, &RecoveryBar::recoverRequested);
  connect(discard, &QPushButton::clicked, this, &RecoveryBar::discardRequested);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(12, 6, 12, 6);
  layout->addWidget(m_label, 1);
  layout->addWidget(recover);
  layout->addWidget(discard);
  hide();
}

void RecoveryBar::offer(const QString& originalFile) {
  m_label->setText(
      tr("Strata found unsaved changes from the last session%1. Recover them?")
          .arg(originalFile.isEmpty()
                   ? QString()
                   : tr(" to \u201c%1\u201d").arg(QFileInfo(originalFile).fileName())));
  show();
}

QString RecoveryBar::message() const { return m_label->text(); }

}  // namespace strata::gui
