#include "panels/layerpickerpopup.h"

#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>

#include "panels/layercatalogmodel.h"

namespace strata::gui {

namespace {
constexpr int kSearchRole = Qt::UserRole + 1;
}  // namespace

LayerPickerPopup::LayerPickerPopup(const QStringList& types, QWidget* parent)
    : QFrame(parent, Qt::Popup), m_search(new QLineEdit), m_list(new QListWidget) {
  setAttribute(Qt::WA_DeleteOnClose);
  setFrameShape(QFrame::StyledPanel);
  m_search->setPlaceholderText(tr("Add a layer here\u2026"));
  m_search->setClearButtonEnabled(true);
  for (const QString& type : types) {
    const LayerSpec* spec = LayerRegistry::instance().find(type.toStdString());
    if (!spec) continue;
    auto* item =
        new QListWidgetItem(LayerCatalogModel::categoryIcon(spec->category), type, m_list);
    item->setData(kSearchRole, QString::fromStdString(spec->type + " " + spec->summary));
    item->setToolTip(QString::fromStdString(spec->summary));
  }
  if (m_list->count() > 0) m_list->setCurrentRow(0);
  connect(m_search, &QLineEdit::textChanged, this, &LayerPickerPopup::setFilterText);
  connect(m_search, &QLineEdit::returnPressed, this,
          [this] { choose(m_list->currentItem()); });
  connect(m_list, &QListWidget::itemActivated, this, &LayerPickerPopup::choose);
  connect(m_list, &QListWidget::itemClicked, this, &LayerPickerPopup::choose);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(m_search);
  layout->addWidget(m_list);
  resize(240, 320);
}

void LayerPickerPopup::popup(const QPoint& globalPos) {
  move(globalPos);
  show();
  m_search->setFocus();
}

void LayerPickerPopup::setFilterText(const QString& text) {
  if (m_search->text() != text) m_search->setText(text);
  const QString needle = text.trimmed();
  QListWidgetItem* first = nullptr;
  for (int i = 0; i < m_list->count(); ++i) {
    QListWidgetItem* item = m_list->item(i);
    const bool match = item->data(kSearchRole).toString().contains(needle, Qt::CaseInsensitive);
    item->setHidden(!match);
    if (match && !first) first = item;
  }
  m_list->setCurrentItem(first);
}

QStringList LayerPickerPopup::visibleTypes() const {
  QStringList out;
  for (int i = 0; i < m_list->count(); ++i)
    if (!m_list->item(i)->isHidden()) out << m_list->item(i)->text();
  return out;
}

void LayerPickerPopup::choose(QListWidgetItem* item) {
  if (!item || item->isHidden()) return;
  emit layerChosen(item->text());
  close();
}

}  // namespace strata::gui
