// The document side of every canvas gesture and edit-menu command: turns requests made in ids
// and values into undo commands on the model's QUndoStack. Qt Core/Gui only (no widget types), so
// the canvas, the palette, the inspector and tests all edit through the same calls.
#pragma once

#include <QObject>
#include <QPointF>
#include <QSizeF>
#include <QString>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "graph/document.h"
#include "document/movenodescommand.h"

class QUndoStack;

namespace strata::gui {

class GraphModel;

class GraphEditor final : public QObject {
  Q_OBJECT

 public:
  explicit GraphEditor(GraphModel* model, QObject* parent = nullptr);

  GraphModel* model() const { return m_model; }
  QUndoStack* undoStack() const;

  // Adds a node of `type` with its top-left corner at `pos` and an id derived from the type
  // ("linear", "linear2"). Returns the id, or an empty string for an unknown type.
  std::string addNode(const std::string& type, QPointF pos, const Json& params = Json::object());
  // Adds a node and wires it to `end` (an output when fromOutput, else an input) through its
  // first port that fits, in one undo step. Returns the id, or empty when the type is unknown.
  std::string addNodeConnected(const std::string& type, QPointF pos, const Endpoint& end,
                               bool fromOutput);
  // Deletes the nodes (with their edges) and the edges, in one undo step.
  bool removeItems(const std::vector<std::string>& nodeIds, const std::vector<GraphEdge>& edges);
  // One undo step; moves whose from == to are dropped. `mergeable` lets a following mergeable
  // move of the same nodes join this step.
  bool moveNodes(std::vector<MoveNodesCommand::Move> moves, bool mergeable = false);
  // Empty when the edge was added, else the engine's reason (strata::canConnect) and nothing
  // was pushed.
  QString connectPorts(const GraphEdge& edge);
  bool disconnectEdge(const GraphEdge& edge);
  // Moves the input end of `old` elsewhere (one undo step); the reason when refused.
  QString reconnect(const GraphEdge& old, const GraphEdge& replacement);
  // A null value removes the key. Same node and key merge with the previous edit.
  bool setParam(const std::string& nodeId, const std::string& key, const Json& value);
  // Pastes a fragment (renamed and shifted by `offset`); returns the new ids.
  std::vector<std::string> paste(const GraphDocument& fragment, QPointF offset);
  // Lays out `ids` (all nodes when empty); `sizes` are the cards' sizes. A collapsed block
  // moves as one card (sized under its first member's id). False when nothing moved.
  bool autoLayout(const std::vector<std::string>& ids,
                  const std::map<std::string, QSizeF>& sizes = {});

  // Blocks (one undo step each). groupNodes makes a block of the nodes and returns its id, or
  // an empty id with `reason` set (no nodes, or one already in a block).
  std::string groupNodes(const std::vector<std::string>& ids, QString* reason = nullptr);
  bool ungroup(const std::string& blockId);
  bool renameBlock(const std::string& blockId, const std::string& name);
  // Changes a block's id (it prefixes the copies' weight keys); the reason when refused.
  QString changeBlockId(const std::string& blockId, const std::string& newId);
  bool setBlockRepeat(const std::string& blockId, int repeat);
  bool setBlockCollapsed(const std::string& blockId, bool collapsed);

 private:
  bool changeBlock(const std::string& blockId, const QString& text,
                   const std::function<void(GraphBlock&)>& change);

  GraphModel* m_model = nullptr;
};

}  // namespace strata::gui
