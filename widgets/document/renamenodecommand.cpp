#include "document/renamenodecommand.h"

#include <QObject>
#include <QRegularExpression>

#include <algorithm>

#include "document/graphmodel.h"

namespace strata::gui {

RenameNodeCommand::RenameNodeCommand(GraphModel* model, std::string from, std::string to,
                                     QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_from(std::move(from)), m_to(std::move(to)) {
  setText(QObject::tr("Rename %1 to %2")
              .arg(QString::fromStdString(m_from), QString::fromStdString(m_to)));
}

QString RenameNodeCommand::checkId(const GraphModel* model, const std::string& current,
                                   const std::string& id) {
  static const QRegularExpression valid(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
  if (id.empty()) return QObject::tr("A node needs an id");
  if (!valid.match(QString::fromStdString(id)).hasMatch())
    return QObject::tr("Use letters, digits and _ (it names the weights: %1.weight)")
        .arg(QString::fromStdString(id));
  if (id != current && model->document().node(id))
    return QObject::tr("Another node is called %1").arg(QString::fromStdString(id));
  if (model->document().block(id))
    return QObject::tr("A block is called %1").arg(QString::fromStdString(id));
  return {};
}

void RenameNodeCommand::redo() { rename(m_model, m_from, m_to); }

void RenameNodeCommand::undo() { rename(m_model, m_to, m_from); }

void RenameNodeCommand::rename(GraphModel* model, const std::string& from, const std::string& to) {
  const GraphNode* node = model->document().node(from);
  if (!node || model->document().node(to)) return;
  GraphNode renamed = *node;
  renamed.id = to;
  std::vector<GraphEdge> edges;
  for (const GraphEdge& e : model->document().edges) {
    if (e.from.node != from && e.to.node != from) continue;
    GraphEdge moved = e;
    if (moved.from.node == from) moved.from.node = to;
    if (moved.to.node == from) moved.to.node = to;
    edges.push_back(moved);
  }
  std::vector<GraphBlock> blocks = model->document().blocks;
  for (GraphBlock& b : blocks) std::replace(b.nodes.begin(), b.nodes.end(), from, to);
  model->removeNode(from);
  model->addNode(renamed);
  for (const GraphEdge& e : edges) model->addEdge(e);
  model->setBlocks(std::move(blocks));
}

}  // namespace strata::gui
