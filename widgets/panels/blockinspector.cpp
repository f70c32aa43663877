#include "panels/blockinspector.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "document/formatting.h"
#include "graph/blocks.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "panels/inspectorlabels.h"

namespace strata::gui {

BlockInspector::BlockInspector(GraphEditor* editor, QWidget* parent)
    : QWidget(parent), m_editor(editor), m_model(editor->model()) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(10, 8, 10, 10);
  layout->setSpacing(6);
  m_title = inspector::title();
  layout->addWidget(m_title);
  layout->addWidget(inspector::note(
      tr("A block groups layers. With Repeat above 1 the model stacks that many copies, each "
         "with its own weights: the first outer input runs through the copies, other inputs "
         "reach every copy.")));
  m_error = inspector::errorBox();
  layout->addWidget(m_error);

  auto* form = new QFormLayout;
  m_name = new QLineEdit;
  m_name->setPlaceholderText(tr("Block name"));
  connect(m_name, &QLineEdit::editingFinished, this, [this] {
    m_editor->renameBlock(m_blockId, m_name->text().trimmed().toStdString());
  });
  form->addRow(tr("name"), m_name);
  m_id = new QLineEdit;
  m_id->setToolTip(tr("The block id prefixes its copies' weight keys (id.0.layer.weight)"));
  m_idMessage = inspector::fieldMessage();
  connect(m_id, &QLineEdit::editingFinished, this, [this] {
    const std::string wanted = m_id->text().trimmed().toStdString();
    const std::string old = m_blockId;
    const QString why = m_editor->changeBlockId(old, wanted);
    m_idMessage->setText(why);
    m_idMessage->setVisible(!why.isEmpty());
    if (why.isEmpty() && m_model->document().block(wanted)) setBlockId(wanted);
  });
  form->addRow(tr("id"), m_id);
  form->addRow(QString(), m_idMessage);
  m_repeat = new QSpinBox;
  m_repeat->setRange(1, GraphBlock::kMaxRepeat);
  m_repeat->setPrefix(QStringLiteral("\u00d7"));
  m_repeat->setToolTip(tr("How many copies of the block the model stacks (separate weights)"));
  connect(m_repeat, &QSpinBox::valueChanged, this,
          [this](int n) { m_editor->setBlockRepeat(m_blockId, n); });
  form->addRow(tr("repeat"), m_repeat);
  m_collapsed = new QCheckBox(tr("Collapsed (drawn as one node)"));
  connect(m_collapsed, &QCheckBox::toggled, this,
          [this](bool on) { m_editor->setBlockCollapsed(m_blockId, on); });
  form->addRow(QString(), m_collapsed);
  layout->addLayout(form);
  m_summary = new QLabel;
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_summary);
  m_ungroup = new QPushButton(tr("Ungroup"));
  m_ungroup->setToolTip(tr("Dissolve the block and keep its layers (Ctrl+Shift+G)"));
  connect(m_ungroup, &QPushButton::clicked, this, [this] { m_editor->ungroup(m_blockId); });
  layout->addWidget(m_ungroup, 0, Qt::AlignLeft);
  layout->addStretch(1);
  connect(m_model, &GraphModel::analysisChanged, this, &BlockInspector::refresh);
}

void BlockInspector::setBlockId(const std::string& id) {
  m_blockId = id;
  refresh();
}

QString BlockInspector::idError() const {
  return m_idMessage->isHidden() ? QString() : m_idMessage->text();
}

QString BlockInspector::errorText() const {
  return m_error->isHidden() ? QString() : m_error->text();
}
QString BlockInspector::summaryText() const { return m_summary->text(); }

void BlockInspector::refresh() {
  const GraphDocument& doc = m_model->document();
  const GraphBlock* block = doc.block(m_blockId);
  if (!block) return;
  const GraphAnalysis& analysis = m_model->analysis();
  m_title->setText(tr("Block \u2018%1\u2019").arg(QString::fromStdString(block->id)));
  {
    const QSignalBlocker a(m_name), b(m_repeat), c(m_collapsed), d(m_id);
    if (!m_name->hasFocus()) m_name->setText(QString::fromStdString(block->name));
    if (!m_id->hasFocus()) m_id->setText(QString::fromStdString(block->id));
    m_repeat->setValue(block->repeat);
    m_collapsed->setChecked(block->collapsed);
  }
  auto it = analysis.blockErrors.find(block->id);
  m_error->setText(it == analysis.blockErrors.end() ? QString()
                                                    : QString::fromStdString(it->second));
  m_error->setVisible(!m_error->text().isEmpty());

  QStringList members;
  for (const std::string& n : block->nodes) members << QString::fromStdString(n);
  const int64_t parameters = analysis.parameterCount(block->nodes);
  const BlockPorts ports = blockPorts(doc, *block);
  QStringList ins, outs;
  for (const Endpoint& e : ports.inputs) ins << QString::fromStdString(e.toString());
  for (const Endpoint& e : ports.outputs) outs << QString::fromStdString(e.toString());
  QString text = tr("Layers: %1").arg(members.join(QStringLiteral(", ")));
  auto list = [this](const QStringList& l) {
    return l.isEmpty() ? tr("none") : l.join(QStringLiteral(", "));
  };
  text += QLatin1Char('\n') + tr("Inputs: %1").arg(list(ins));
  text += QLatin1Char('\n') + tr("Outputs: %1").arg(list(outs));
  if (block->repeat > 1 && ports.carriedInput() && ports.carriedOutput())
    text += QLatin1Char('\n') + tr("Carried: %1 \u2192 next copy's %2")
                                    .arg(QString::fromStdString(ports.carriedOutput()->toString()),
                                         QString::fromStdString(ports.carriedInput()->toString()));
  text += QLatin1Char('\n') + tr("Parameters (all copies): %1").arg(formatCount(parameters));
  if (block->repeat > 1)
    text += QLatin1Char('\n') + tr("Weights: %1.0.%2.* \u2026 %1.%3.%2.*")
                                    .arg(QString::fromStdString(block->id),
                                         QString::fromStdString(block->nodes.front()))
                                    .arg(block->repeat - 1);
  m_summary->setText(text);
}

}  // namespace strata::gui
