// A strip over the canvas while a run is active: says that the run uses a snapshot and that
// structural edits are locked until it stops.
#pragma once

#include <QLabel>

namespace strata::gui {

class TrainingBanner final : public QLabel {
  Q_OBJECT

 public:
  explicit TrainingBanner(QWidget* host);

  void setActive(bool active);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void place();
  QWidget* m_host = nullptr;
};

}  // namespace strata::gui
