// The palette's item model, generated from the engine's LayerRegistry: one row per category with
// the layer types under it. Dragging a layer row carries its type name as
// application/x-strata-layer, which the canvas accepts.
#pragma once

#include <QStandardItemModel>

#include <string>

#include "nn/layer_spec.h"

namespace strata::gui {

class LayerCatalogModel final : public QStandardItemModel {
  Q_OBJECT

 public:
  static constexpr auto kMimeType = "application/x-strata-layer";
  enum Role {
    TypeRole = Qt::UserRole + 1,  // the layer type on layer rows, empty on category rows
    SearchRole,                   // "type summary category", what the search box matches
  };

  explicit LayerCatalogModel(QObject* parent = nullptr);

  // The palette's category order; a category the registry adds later goes last.
  static QStringList categoryOrder();
  // A small rounded chip in the category colour, for lists and the docs panel.
  static QIcon categoryIcon(const std::string& category);

  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
};

}  // namespace strata::gui
