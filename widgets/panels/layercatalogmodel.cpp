#include "panels/layercatalogmodel.h"

#include <QIcon>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>

#include <map>

#include "canvas/canvastheme.h"

namespace strata::gui {

LayerCatalogModel::LayerCatalogModel(QObject* parent) : QStandardItemModel(parent) {
  const QStringList order = categoryOrder();
  std::map<int, QStandardItem*> groups;  // by position in the order, unknown ones after
  std::map<QString, int> extra;
  for (const LayerSpec& spec : LayerRegistry::instance().all()) {
    const QString category = QString::fromStdString(spec.category);
    int rank = int(order.indexOf(category));
    if (rank < 0) {
      auto [it, added] = extra.emplace(category, int(order.size() + extra.size()));
      rank = it->second;
    }
    QStandardItem*& group = groups[rank];
    if (!group) {
      group = new QStandardItem(category);
      group->setData(QString(), TypeRole);
      group->setData(category, SearchRole);
      group->setSelectable(false);
      group->setDragEnabled(false);
      QFont bold = group->font();
      bold.setBold(true);
      group->setFont(bold);
    }
    auto* item = new QStandardItem(categoryIcon(spec.category), QString::fromStdString(spec.type));
    item->setData(QString::fromStdString(spec.type), TypeRole);
    item->setData(QStringLiteral("%1 %2 %3").arg(QString::fromStdString(spec.type),
                                                 QString::fromStdString(spec.summary), category),
                  SearchRole);
    item->setToolTip(QStringLiteral("<p><b>%1</b> \u2014 %2</p><p>%3</p>")
                         .arg(QString::fromStdString(spec.type).toHtmlEscaped(),
                              QString::fromStdString(spec.summary).toHtmlEscaped(),
                              QString::fromStdString(spec.doc).toHtmlEscaped()));
    item->setStatusTip(QString::fromStdString(spec.summary));
    item->setEditable(false);
    item->setDragEnabled(true);
    group->appendRow(item);
  }
  for (auto& [rank, group] : groups) {
    group->setEditable(false);
    appendRow(group);
  }
}

QStringList LayerCatalogModel::categoryOrder() {
  return {QStringLiteral("Inputs"),      QStringLiteral("Recurrent"),
          QStringLiteral("Attention"),   QStringLiteral("Dense"),
          QStringLiteral("Activations"), QStringLiteral("Structure"),
          QStringLiteral("Losses")};
}

QIcon LayerCatalogModel::categoryIcon(const std::string& category) {
  QPixmap chip(32, 32);
  chip.fill(Qt::transparent);
  QPainter p(&chip);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(CanvasTheme::light().categoryColor(category));
  p.drawRoundedRect(QRectF(4, 8, 24, 16), 6, 6);
  return QIcon(chip);
}

QStringList LayerCatalogModel::mimeTypes() const { return {QString::fromLatin1(kMimeType)}; }

QMimeData* LayerCatalogModel::mimeData(const QModelIndexList& indexes) const {
  for (const QModelIndex& index : indexes) {
    const QString type = index.data(TypeRole).toString();
    if (type.isEmpty()) continue;
    auto* mime = new QMimeData;
    mime->setData(QString::fromLatin1(kMimeType), type.toUtf8());
    mime->setText(type);
    return mime;
  }
  return nullptr;
}

Qt::ItemFlags LayerCatalogModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QStandardItemModel::flags(index);
  if (index.data(TypeRole).toString().isEmpty()) f &= ~Qt::ItemIsDragEnabled;
  return f;
}

}  // namespace strata::gui
