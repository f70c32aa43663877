// The editor document: a strata::GraphDocument, its analysis (shapes, parameter counts, errors)
// and the undo stack that every edit goes through. Views listen to its signals; they never change
// the document themselves. Qt Core/Gui only: no widget type may appear here.
#pragma once

#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>

#include <string>

#include "graph/analysis.h"
#include "graph/document.h"

class QUndoStack;

namespace strata::gui {

class GraphModel final : public QObject {
  Q_OBJECT

 public:
  explicit GraphModel(QObject* parent = nullptr);
  ~GraphModel() override;

  // Replaces the document with the file's contents. On failure the model is left unchanged and
  // the status carries the engine's message (which starts with the path).
  Status loadFile(const QString& path);
  // Replaces the document (clears the undo history) and emits modelReset().
  void setDocument(GraphDocument doc, const QString& filePath = {});
  void clear();

  const GraphDocument& document() const { return m_document; }
  const GraphAnalysis& analysis() const { return m_analysis; }
  const NodeAnalysis* nodeAnalysis(const std::string& id) const;
  // The type flowing on an edge, when the analysis knows it.
  std::optional<TensorType> edgeType(const GraphEdge& edge) const;

  QString filePath() const { return m_filePath; }
  // meta.name, else the file's base name, else "Untitled".
  QString displayName() const;
  QString description() const;  // meta.description, may be empty
  bool isEmpty() const { return m_document.nodes.empty(); }

  QUndoStack* undoStack() const { return m_undoStack; }

  // Primitive edits. Undo commands call these from redo()/undo() with ids and values; nothing
  // else should. Each returns false (and changes nothing) when the edit does not apply.
  // `index` places the node (or edge) at that position in the document's list, so undoing a
  // deletion restores the file byte for byte; -1 appends.
  bool addNode(const GraphNode& node, int index = -1);
  // Also removes the edges touching the node (edgeRemoved is emitted for each, first) and takes
  // it out of its block, dropping a block left empty (blocksChanged).
  bool removeNode(const std::string& id);
  bool moveNode(const std::string& id, QPointF pos);
  bool setNodeParams(const std::string& id, const Json& params);
  bool addEdge(const GraphEdge& edge, int index = -1);

  // Where a node or edge sits in the document's lists; -1 when absent.
  int nodeIndex(const std::string& id) const;
  int edgeIndex(const GraphEdge& edge) const;
  // `base` if no node has that id, else base2, base3, ... ("linear", "linear2").
  std::string uniqueNodeId(const std::string& base) const;
  // The id stem for a new node of `type`: "Linear" -> "linear", "MultiheadAttention" ->
  // "multihead_attention", "LSTM" -> "lstm".
  static std::string idStemForType(const std::string& type);
  // Layer types with an input port that takes `kind` (asInput) or an output port that gives it
  // (!asInput), in catalogue order: what the palette offers for a wire dropped on empty canvas.
  static QStringList typesAcceptingKind(ValueKind kind, bool asInput = true);
  // The same for a wire that starts at `end` (an output when fromOutput, else an input).
  QStringList typesFitting(const Endpoint& end, bool fromOutput) const;
  bool removeEdge(const GraphEdge& edge);
  // Replaces the blocks (SetBlocksCommand and the commands that restore them call this). False,
  // changing nothing, when unchanged or invalid (a missing node, a node in two blocks, an id
  // taken by a node or another block).
  bool setBlocks(std::vector<GraphBlock> blocks);
  // `base` if no block or node has that id, else base2, base3, ...
  std::string uniqueBlockId(const std::string& base) const;
  // The document's "training" object (SetTrainingSettingsCommand calls this); false if unchanged.
  bool setTrainingSettings(const Json& training);

 signals:
  void modelReset();  // the whole document was replaced
  void nodeAdded(const std::string& id);
  void nodeRemoved(const std::string& id);
  void nodeMoved(const std::string& id, QPointF pos);
  void nodeChanged(const std::string& id);  // params changed
  void edgeAdded(const strata::GraphEdge& edge);
  void edgeRemoved(const strata::GraphEdge& edge);
  void blocksChanged();  // the document's blocks were replaced (or lost a removed member)
  void analysisChanged();  // m_analysis was recomputed; emitted after the structural signal
  void filePathChanged(const QString& path);
  void trainingSettingsChanged();  // the document's "training" object was replaced

 private:
  void reanalyze();
  // Gives positions to documents whose nodes all sit on one spot (e.g. written by a script).
  void layoutIfStacked();

  GraphDocument m_document;
  GraphAnalysis m_analysis;
  QString m_filePath;
  QUndoStack* m_undoStack = nullptr;
};

}  // namespace strata::gui
