// The start page: the bundled samples as cards, plus a way to open one's own file.
#pragma once

#include <QList>
#include <QWidget>

#include "gallery/samplecatalog.h"

class QGridLayout;
class QLabel;

namespace strata::gui {

class SampleCard;

class SampleGallery final : public QWidget {
  Q_OBJECT

 public:
  explicit SampleGallery(QWidget* parent = nullptr);

  void setSamples(const QList<SampleInfo>& samples, const QString& directory);
  QList<SampleCard*> cards() const { return m_cards; }

 signals:
  void sampleChosen(const QString& path);
  void openFileRequested();

 private:
  QGridLayout* m_grid = nullptr;
  QLabel* m_empty = nullptr;
  QList<SampleCard*> m_cards;
};

}  // namespace strata::gui
