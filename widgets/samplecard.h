// One card of the sample gallery: the sample's name, its one-line description and the layers it
// uses. Clicking it opens the sample.
#pragma once

#include <QAbstractButton>

#include "samplecatalog.h"

namespace strata::gui {

class SampleCard final : public QAbstractButton {
  Q_OBJECT

 public:
  explicit SampleCard(SampleInfo info, QWidget* parent = nullptr);

  const SampleInfo& info() const { return m_info; }
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  SampleInfo m_info;
  bool m_hovered = false;
};

}  // namespace strata::gui
