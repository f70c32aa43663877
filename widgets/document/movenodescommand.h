// Undo command for moving several nodes at once (a drag of the selection): node ids with their
// old and new positions. A mergeable move (arrow-key nudges, a drag reported in steps) absorbs the
// next mergeable move of the same nodes, so one gesture stays one undo step.
#pragma once

#include <QPointF>
#include <QUndoCommand>

#include <string>
#include <vector>

namespace strata::gui {

class GraphModel;

class MoveNodesCommand final : public QUndoCommand {
 public:
  static constexpr int kId = 1002;

  struct Move {
    std::string id;
    QPointF from;
    QPointF to;
  };

  MoveNodesCommand(GraphModel* model, std::vector<Move> moves, bool mergeable = false,
                   QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  int id() const override { return m_mergeable ? kId : -1; }
  bool mergeWith(const QUndoCommand* other) override;
  const std::vector<Move>& moves() const { return m_moves; }

 private:
  GraphModel* m_model = nullptr;
  std::vector<Move> m_moves;
  bool m_mergeable = false;
};

}  // namespace strata::gui
