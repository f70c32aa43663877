#include "training/trainingbanner.h"

#include <QEvent>

namespace strata::gui {

TrainingBanner::TrainingBanner(QWidget* host) : QLabel(host), m_host(host) {
  setText(tr("Training on a snapshot of this graph — structural edits are locked until the "
             "run stops"));
  setAlignment(Qt::AlignCenter);
  setStyleSheet(QStringLiteral("background: rgba(43,108,176,225); color: white; padding: 5px 14px;"
                               "border-radius: 6px; font-weight: bold;"));
  setAttribute(Qt::WA_TransparentForMouseEvents);
  host->installEventFilter(this);
  hide();
}

void TrainingBanner::setActive(bool active) {
  setVisible(active);
  if (active) {
    place();
    raise();
  }
}

bool TrainingBanner::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_host && event->type() == QEvent::Resize) place();
  return QLabel::eventFilter(watched, event);
}

void TrainingBanner::place() {
  adjustSize();
  move((m_host->width() - width()) / 2, 10);
}

}  // namespace strata::gui
