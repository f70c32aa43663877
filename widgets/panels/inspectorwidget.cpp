#include "panels/inspectorwidget.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTextDocument>
#include <QUndoStack>
#include <QVBoxLayout>

#include "panels/blockinspector.h"
#include "document/formatting.h"
#include "document/graphmodel.h"
#include "document/grapheditor.h"
#include "panels/inspectorlabels.h"
#include "panels/layercatalogmodel.h"
#include "panels/parameditor.h"
#include "document/renamenodecommand.h"

namespace strata::gui {

InspectorWidget::InspectorWidget(GraphEditor* editor, QWidget* parent)
    : QWidget(parent), m_editor(editor), m_model(editor->model()) {
  m_pages = new QStackedWidget;
  m_placeholder = new QLabel;
  m_placeholder->setAlignment(Qt::AlignCenter);
  m_placeholder->setWordWrap(true);
  m_placeholder->setForegroundRole(QPalette::PlaceholderText);
  m_placeholder->setMargin(16);
  setPlaceholder({});
  m_pages->addWidget(m_placeholder);

  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(10, 8, 10, 10);
  layout->setSpacing(4);

  m_chip = new QLabel;
  m_title = inspector::title();
  auto* titleRow = new QHBoxLayout;
  titleRow->setSpacing(6);
  titleRow->addWidget(m_chip);
  titleRow->addWidget(m_title, 1);
  layout->addLayout(titleRow);
  m_summary = inspector::note();
  layout->addWidget(m_summary);

  m_error = inspector::errorBox();
  layout->addWidget(m_error);

  layout->addWidget(inspector::section(tr("Node")));
  m_idEdit = new QLineEdit;
  m_idEdit->setToolTip(tr("The node id names its weights (id.weight) and, for an Input, the "
                          "input itself"));
  connect(m_idEdit, &QLineEdit::editingFinished, this, &InspectorWidget::applyId);
  connect(m_idEdit, &QLineEdit::textEdited, this, [this](const QString& text) {
    const QString why = RenameNodeCommand::checkId(m_model, m_nodeId, text.toStdString());
    m_idMessage->setText(why);
    m_idMessage->setVisible(!why.isEmpty());
  });
  m_idMessage = inspector::fieldMessage();
  auto* idForm = new QFormLayout;
  idForm->setContentsMargins(0, 0, 0, 0);
  idForm->addRow(tr("id"), m_idEdit);
  idForm->addRow(QString(), m_idMessage);
  layout->addLayout(idForm);

  layout->addWidget(inspector::section(tr("Parameters")));
  m_paramsBox = new QWidget;
  m_paramsForm = new QFormLayout(m_paramsBox);
  m_paramsForm->setContentsMargins(0, 0, 0, 0);
  m_paramsForm->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  layout->addWidget(m_paramsBox);
  m_noParams = new QLabel(tr("This layer has no parameters to set."));
  m_noParams->setForegroundRole(QPalette::PlaceholderText);
  layout->addWidget(m_noParams);

  layout->addWidget(inspector::section(tr("Analysis")));
  m_outputs = new QLabel;
  m_outputs->setWordWrap(true);
  m_outputs->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_outputs);
  layout->addStretch(1);

  auto* scroll = new QScrollArea;
  scroll->setWidget(page);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  m_pages->addWidget(scroll);

  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(m_pages);

  m_blockPage = new BlockInspector(m_editor);
  m_pages->addWidget(m_blockPage);
  connect(m_model, &GraphModel::blocksChanged, this, [this] {
    if (m_pages->currentWidget() == m_blockPage &&
        !m_model->document().block(m_blockPage->blockId()))
      m_pages->setCurrentIndex(0);
  });
  connect(m_model, &GraphModel::analysisChanged, this, &InspectorWidget::refresh);
  connect(m_model, &GraphModel::modelReset, this, [this] { setNodeId({}); });
}

void InspectorWidget::setPlaceholder(const QString& text) {
  m_placeholder->setText(text.isEmpty()
                             ? tr("Select a node on the canvas to see and edit its parameters.")
                             : text);
}

void InspectorWidget::setBlockId(const std::string& id) {
  setNodeId({});
  if (!m_model->document().block(id)) return;
  m_blockPage->setBlockId(id);
  m_pages->setCurrentWidget(m_blockPage);
}

void InspectorWidget::setNodeId(const std::string& id) {
  const GraphNode* node = id.empty() ? nullptr : m_model->document().node(id);
  m_nodeId = node ? id : std::string();
  rebuild();
}

ParamEditor* InspectorWidget::editor(const QString& key) const {
  auto it = m_editors.find(key.toStdString());
  return it == m_editors.end() ? nullptr : it->second;
}

QString InspectorWidget::idError() const { return m_idMessage->text(); }
QString InspectorWidget::nodeError() const {
  return m_error->isHidden() ? QString() : m_error->text();
}
QString InspectorWidget::summaryText() const {
  QTextDocument doc;
  doc.setHtml(m_outputs->text());
  return doc.toPlainText();
}

void InspectorWidget::rebuild() {
  while (m_paramsForm->rowCount() > 0) m_paramsForm->removeRow(0);
  m_editors.clear();
  m_builtType.clear();
  const GraphNode* node = m_nodeId.empty() ? nullptr : m_model->document().node(m_nodeId);
  if (!node) {
    m_pages->setCurrentIndex(0);
    return;
  }
  m_builtType = node->type;
  const LayerSpec* spec = LayerRegistry::instance().find(node->type);
  m_chip->setPixmap(LayerCatalogModel::categoryIcon(spec ? spec->category : std::string())
                        .pixmap(20, 20));
  m_summary->setText(spec ? QString::fromStdString(spec->summary)
                          : tr("Unknown layer type: no parameters to edit."));
  if (spec) {
    for (const ParamSpec& p : spec->params) {
      auto* editor = new ParamEditor(p);
      auto* label = new QLabel(QString::fromStdString(p.name));
      label->setToolTip(QString::fromStdString(p.help));
      m_paramsForm->addRow(label, editor);
      m_editors[p.name] = editor;
      connect(editor, &ParamEditor::edited, this, [this, editor] { onEdited(editor); });
    }
  }
  m_paramsBox->setVisible(!m_editors.empty());
  m_noParams->setVisible(m_editors.empty());
  m_idMessage->hide();
  m_pages->setCurrentIndex(1);
  refresh();
}

void InspectorWidget::refresh() {
  if (m_nodeId.empty()) return;
  const GraphNode* node = m_model->document().node(m_nodeId);
  if (!node) {
    setNodeId({});
    return;
  }
  if (node->type != m_builtType) {
    rebuild();
    return;
  }
  const NodeAnalysis* a = m_model->nodeAnalysis(m_nodeId);
  const QString id = QString::fromStdString(m_nodeId);
  m_title->setText(QStringLiteral("%1  <span style='font-weight:normal; color:gray'>%2</span>")
                       .arg(id.toHtmlEscaped(), QString::fromStdString(node->type)));
  if (!m_idEdit->hasFocus()) m_idEdit->setText(id);

  for (auto& [key, editor] : m_editors) {
    // Leave a field the user is still fixing alone; everything else follows the document.
    if (!editor->error().isEmpty()) continue;
    const auto given = node->params.find(key);
    const Json g = given == node->params.end() ? Json() : *given;
    Json resolved;
    if (a && a->params.is_object() && a->params.contains(key)) resolved = a->params[key];
    Json current;
    QString why;
    if (editor->editor()->hasFocus() && editor->read(&current, &why) && current == g) continue;
    editor->setValue(g, resolved);
  }

  const QString error = a ? QString::fromStdString(a->error) : QString();
  m_error->setText(error);
  m_error->setVisible(!error.isEmpty());

  QStringList lines;
  if (a && a->spec) {
    for (size_t i = 0; i < a->spec->outputs.size(); ++i) {
      const QString port = QString::fromStdString(a->spec->outputs[i].name);
      const QString shape = i < a->outputs.size()
                                ? QString::fromStdString(shapeToString(a->outputs[i].shape))
                                : tr("unknown");
      lines << QStringLiteral("<code>%1</code> \u2192 <b>%2</b>").arg(port, shape.toHtmlEscaped());
    }
    if (a->target)
      lines << tr("<code>target</code> \u2190 %1 from the data set")
                   .arg(QString::fromStdString(shapeToString(a->target->shape)).toHtmlEscaped());
    lines << tr("Parameters: <b>%1</b>").arg(QLocale().toString(qlonglong(a->parameterCount)));
    lines << tr("FLOPs per sample: <b>%1</b>").arg(formatCount(a->flops));
  }
  if (const GraphBlock* block = m_model->document().blockOf(m_nodeId)) {
    const QString name = QString::fromStdString(block->name.empty() ? block->id : block->name);
    lines << (block->repeat > 1
                  ? tr("In Repeat block <b>%1</b> \u00d7%2: these params apply to every copy, "
                       "each with its own weights (copy 0 shown)")
                        .arg(name.toHtmlEscaped())
                        .arg(block->repeat)
                  : tr("In block <b>%1</b>").arg(name.toHtmlEscaped()));
  }
  m_outputs->setText(lines.join(QStringLiteral("<br>")));
}

void InspectorWidget::onEdited(ParamEditor* editor) {
  const GraphNode* node = m_model->document().node(m_nodeId);
  const LayerSpec* spec = node ? LayerRegistry::instance().find(node->type) : nullptr;
  if (!spec) return;
  const std::string& key = editor->spec().name;
  Json value;
  QString why;
  if (!editor->read(&value, &why)) {
    editor->setError(why);
    return;
  }
  Json params = node->params;
  if (value.is_null())
    params.erase(key);
  else
    params[key] = value;
  // The engine's own check, so the message is the one `strata-cli validate` would print.
  const Result<Json> normalized = normalizeParams(*spec, params);
  if (!normalized) {
    editor->setError(QString::fromStdString(normalized.message()));
    return;
  }
  editor->setError({});
  if (params == node->params) return;
  // SetParamCommand: edits of the same node and key merge into one undo step.
  m_editor->setParam(m_nodeId, key, value);
}

bool InspectorWidget::applyId() {
  const std::string id = m_idEdit->text().trimmed().toStdString();
  if (m_nodeId.empty() || id == m_nodeId) return false;
  const QString why = RenameNodeCommand::checkId(m_model, m_nodeId, id);
  m_idMessage->setText(why);
  m_idMessage->setVisible(!why.isEmpty());
  if (!why.isEmpty()) return false;
  const std::string from = m_nodeId;
  m_model->undoStack()->push(new RenameNodeCommand(m_model, from, id));
  setNodeId(id);
  return true;
}

}  // namespace strata::gui
