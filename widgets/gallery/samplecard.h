// One card of the sample gallery: a thumbnail of the graph, the sample's name, its one-line
// description and the layers it uses. Clicking it opens the sample.
#pragma once

#include <QAbstractButton>
#include <QPixmap>

#include "gallery/samplecatalog.h"

namespace strata::gui {

class SampleCard final : public QAbstractButton {
  Q_OBJECT

 public:
  explicit SampleCard(SampleInfo info, QWidget* parent = nullptr);

  const SampleInfo& info() const { return m_info; }
  // A picture of the graph, drawn above the name (rendered offscreen by SceneRenderer).
  void setThumbnail(const QPixmap& thumbnail);
  QPixmap thumbnail() const { return m_thumbnail; }
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  static constexpr int kThumbnailHeight = 132;

  SampleInfo m_info;
  QPixmap m_thumbnail;
  bool m_hovered = false;
};

}  // namespace strata::gui
