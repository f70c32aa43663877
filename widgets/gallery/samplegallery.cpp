#include "gallery/samplegallery.h"

#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "gallery/graphsketch.h"
#include "gallery/samplecard.h"

namespace strata::gui {

namespace {

constexpr int kColumns = 3;

}  // namespace

SampleGallery::SampleGallery(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("SampleGallery"));
  setAttribute(Qt::WA_StyledBackground);
  setStyleSheet(QStringLiteral(
      "#SampleGallery, #GalleryPage { background: #f6f7f9; }"
      "#GalleryTitle { color: #101828; font-size: 26px; font-weight: 600; }"
      "#GallerySubtitle { color: #667085; font-size: 14px; }"
      "#GallerySection { color: #344054; font-size: 12px; font-weight: 600;"
      "  letter-spacing: 1px; }"
      "#GalleryEmpty { color: #667085; font-size: 13px; }"
      "QPushButton#GalleryOpen { background: #2563eb; color: white; border: none;"
      "  border-radius: 6px; padding: 8px 16px; font-size: 13px; font-weight: 600; }"
      "QPushButton#GalleryOpen:hover { background: #1d4ed8; }"));

  auto* page = new QWidget;
  page->setObjectName(QStringLiteral("GalleryPage"));
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(48, 40, 48, 40);
  layout->setSpacing(6);

  auto* header = new QHBoxLayout;
  auto* titles = new QVBoxLayout;
  auto* title = new QLabel(tr("Strata"));
  title->setObjectName(QStringLiteral("GalleryTitle"));
  auto* subtitle = new QLabel(tr("Design, train and export sequence models as node graphs. "
                                 "Start from a sample or open a graph of your own."));
  subtitle->setObjectName(QStringLiteral("GallerySubtitle"));
  subtitle->setWordWrap(true);
  titles->addWidget(title);
  titles->addWidget(subtitle);
  header->addLayout(titles, 1);
  auto* open = new QPushButton(tr("Open File\u2026"));
  open->setObjectName(QStringLiteral("GalleryOpen"));
  open->setCursor(Qt::PointingHandCursor);
  connect(open, &QPushButton::clicked, this, &SampleGallery::openFileRequested);
  header->addWidget(open, 0, Qt::AlignTop);
  layout->addLayout(header);
  layout->addSpacing(24);

  auto* section = new QLabel(tr("SAMPLES"));
  section->setObjectName(QStringLiteral("GallerySection"));
  layout->addWidget(section);
  layout->addSpacing(6);

  m_grid = new QGridLayout;
  m_grid->setHorizontalSpacing(16);
  m_grid->setVerticalSpacing(16);
  layout->addLayout(m_grid);
  m_empty = new QLabel;
  m_empty->setObjectName(QStringLiteral("GalleryEmpty"));
  m_empty->setWordWrap(true);
  m_empty->hide();
  layout->addWidget(m_empty);
  layout->addStretch(1);

  auto* scroll = new QScrollArea;
  scroll->setWidget(page);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(scroll);
}

void SampleGallery::setSamples(const QList<SampleInfo>& samples, const QString& directory) {
  qDeleteAll(m_cards);
  m_cards.clear();
  for (int i = 0; i < samples.size(); ++i) {
    auto* card = new SampleCard(samples[i]);
    card->setSketch(GraphSketch::fromFile(samples[i].path));
    const QString path = samples[i].path;
    connect(card, &SampleCard::clicked, this, [this, path] { emit sampleChosen(path); });
    m_grid->addWidget(card, i / kColumns, i % kColumns);
    m_cards << card;
  }
  for (int c = 0; c < kColumns; ++c) m_grid->setColumnStretch(c, 1);
  m_empty->setVisible(samples.isEmpty());
  m_empty->setText(tr("No samples found in %1. Set STRATA_SAMPLES_DIR to a folder of "
                      ".strata files, or open a file.").arg(directory));
}

}  // namespace strata::gui
