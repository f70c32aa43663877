// The non-blocking offer to restore an autosaved graph after a crash: a bar above the canvas
// with Recover and Discard, so nothing modal stands between the user (or a test) and the window.
#pragma once

#include <QFrame>

class QLabel;

namespace strata::gui {

class RecoveryBar final : public QFrame {
  Q_OBJECT

 public:
  explicit RecoveryBar(QWidget* parent = nullptr);

  // `originalFile`: the graph the unsaved changes belong to; empty for an untitled one.
  void offer(const QString& originalFile);
  QString message() const;

 signals:
  void recoverRequested();
  void discardRequested();

 private:
  QLabel* m_label = nullptr;
};

}  // namespace strata::gui
