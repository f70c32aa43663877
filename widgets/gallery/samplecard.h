// One card of the sample gallery: a sketch of the graph, the sample's name, its one-line
// description and the layers it uses. Clicking it opens the sample.
#pragma once

#include <QAbstractButton>
#include <QPixmap>

#include "gallery/graphsketch.h"
#include "gallery/samplecatalog.h"

namespace strata::gui {

class SampleCard final : public QAbstractButton {
  Q_OBJECT

 public:
  explicit SampleCard(SampleInfo info, QWidget* parent = nullptr);

  const SampleInfo& info() const { return m_info; }
  // The graph drawn above the name, simplified to type names and edges so that it reads at card
  // size; painted at the card's own width (an empty sketch: no picture).
  void setSketch(GraphSketch sketch);
  const GraphSketch& sketch() const { return m_sketch; }
  // Where the sketch is painted, and the picture as painted there (what a person sees).
  QRectF thumbnailRect() const;
  QPixmap thumbnail() const;
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  static constexpr int kThumbnailHeight = 132;

  SampleInfo m_info;
  GraphSketch m_sketch;
  bool m_hovered = false;
};

}  // namespace strata::gui
