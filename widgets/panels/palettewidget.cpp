#include "panels/palettewidget.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

#include "panels/layercatalogmodel.h"
#include "panels/layerdocview.h"

namespace strata::gui {

PaletteWidget::PaletteWidget(QWidget* parent)
    : QWidget(parent),
      m_catalog(new LayerCatalogModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_search(new QLineEdit),
      m_tree(new QTreeView),
      m_docs(new LayerDocView) {
  m_proxy->setSourceModel(m_catalog);
  m_proxy->setFilterRole(LayerCatalogModel::SearchRole);
  m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
  m_proxy->setRecursiveFilteringEnabled(true);
  m_proxy->setAutoAcceptChildRows(true);  // a matching category shows all of its layers

  m_search->setPlaceholderText(tr("Search layers\u2026"));
  m_search->setClearButtonEnabled(true);
  m_search->setToolTip(tr("Filter by name or description"));
  connect(m_search, &QLineEdit::textChanged, this, &PaletteWidget::setFilterText);

  m_tree->setModel(m_proxy);
  m_tree->setHeaderHidden(true);
  m_tree->setRootIsDecorated(false);
  m_tree->setIndentation(10);
  m_tree->setUniformRowHeights(true);
  m_tree->setDragEnabled(true);
  m_tree->setDragDropMode(QAbstractItemView::DragOnly);
  m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
  m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_tree->setExpandsOnDoubleClick(false);
  m_tree->expandAll();
  connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
          &PaletteWidget::onCurrentChanged);
  connect(m_tree, &QTreeView::doubleClicked, this, &PaletteWidget::activate);

  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(m_tree);
  splitter->addWidget(m_docs);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  splitter->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 0);
  layout->setSpacing(4);
  layout->addWidget(m_search);
  layout->addWidget(splitter, 1);
}

void PaletteWidget::setFilterText(const QString& text) {
  if (m_search->text() != text) m_search->setText(text);  // re-enters through textChanged
  m_proxy->setFilterFixedString(text.trimmed());
  m_tree->expandAll();
}

QString PaletteWidget::filterText() const { return m_search->text(); }

QStringList PaletteWidget::visibleCategories() const {
  QStringList out;
  for (int r = 0; r < m_proxy->rowCount(); ++r) out << m_proxy->index(r, 0).data().toString();
  return out;
}

QStringList PaletteWidget::visibleTypes() const {
  QStringList out;
  for (const QString& c : visibleCategories()) out << typesIn(c);
  return out;
}

QStringList PaletteWidget::typesIn(const QString& category) const {
  QStringList out;
  for (int r = 0; r < m_proxy->rowCount(); ++r) {
    const QModelIndex group = m_proxy->index(r, 0);
    if (group.data().toString() != category) continue;
    for (int c = 0; c < m_proxy->rowCount(group); ++c)
      out << m_proxy->index(c, 0, group).data(LayerCatalogModel::TypeRole).toString();
  }
  return out;
}

bool PaletteWidget::selectType(const QString& type) {
  for (int r = 0; r < m_proxy->rowCount(); ++r) {
    const QModelIndex group = m_proxy->index(r, 0);
    for (int c = 0; c < m_proxy->rowCount(group); ++c) {
      const QModelIndex index = m_proxy->index(c, 0, group);
      if (index.data(LayerCatalogModel::TypeRole).toString() == type) {
        m_tree->setCurrentIndex(index);
        m_tree->scrollTo(index);
        return true;
      }
    }
  }
  return false;
}

QString PaletteWidget::selectedType() const {
  return m_tree->currentIndex().data(LayerCatalogModel::TypeRole).toString();
}

void PaletteWidget::onCurrentChanged() {
  const QString type = selectedType();
  if (!type.isEmpty()) m_docs->showLayer(type);
}

void PaletteWidget::activate(const QModelIndex& index) {
  const QString type = index.data(LayerCatalogModel::TypeRole).toString();
  if (!type.isEmpty()) emit layerActivated(type);
}

}  // namespace strata::gui
