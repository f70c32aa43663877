// The layer palette: every LayerRegistry type grouped by category, a search box filtering by
// name and summary, drag to the canvas (application/x-strata-layer), double-click to add at the
// centre, and the selected layer's docs below the list.
#pragma once

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace strata::gui {

class LayerCatalogModel;
class LayerDocView;

class PaletteWidget final : public QWidget {
  Q_OBJECT

 public:
  explicit PaletteWidget(QWidget* parent = nullptr);

  void setFilterText(const QString& text);
  QString filterText() const;
  // The categories and the layer types the list shows now, in display order.
  QStringList visibleCategories() const;
  QStringList visibleTypes() const;
  QStringList typesIn(const QString& category) const;  // under the current filter
  // Selects a layer row (and shows its docs); false when the filter hides it.
  bool selectType(const QString& type);
  QString selectedType() const;

  QTreeView* tree() const { return m_tree; }
  QLineEdit* searchBox() const { return m_search; }
  LayerDocView* docView() const { return m_docs; }
  LayerCatalogModel* catalog() const { return m_catalog; }

 signals:
  void layerActivated(const QString& type);  // double-click or Enter: add it to the graph

 private:
  void onCurrentChanged();
  void activate(const QModelIndex& index);

  LayerCatalogModel* m_catalog = nullptr;
  QSortFilterProxyModel* m_proxy = nullptr;
  QLineEdit* m_search = nullptr;
  QTreeView* m_tree = nullptr;
  LayerDocView* m_docs = nullptr;
};

}  // namespace strata::gui
