// Undo command for moving a node: holds the node id and both positions, never an item pointer.
// Successive moves of the same node merge, so one drag is one undo step.
#pragma once

#include <QPointF>
#include <QUndoCommand>

#include <string>

namespace strata::gui {

class GraphModel;

class MoveNodeCommand final : public QUndoCommand {
 public:
  static constexpr int kId = 1001;

  MoveNodeCommand(GraphModel* model, std::string nodeId, QPointF from, QPointF to,
                  QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  int id() const override { return kId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  GraphModel* m_model = nullptr;
  std::string m_nodeId;
  QPointF m_from;
  QPointF m_to;
};

}  // namespace strata::gui
