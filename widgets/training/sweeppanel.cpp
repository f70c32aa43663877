#include "training/sweeppanel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include "document/graphmodel.h"
#include "nn/layer_spec.h"
#include "training/sweeprunner.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {

// The settings worth sweeping, most used first.
const char* const kSettings[] = {"lr",        "batch",          "steps",     "epochs",
                                 "optimizer", "weight_decay",   "momentum",  "clip_grad_norm",
                                 "seed",      "val_split",      "schedule",  "warmup_steps"};

}  // namespace

SweepPanel::SweepPanel(GraphModel* model, TrainingController* controller, SweepRunner* runner,
                       QWidget* parent)
    : QGroupBox(tr("Sweep (one run per combination)"), parent),
      m_model(model),
      m_controller(controller),
      m_runner(runner) {
  auto* grid = new QGridLayout;
  for (int i = 0; i < kAxes; ++i) {
    m_keys[i] = new QComboBox;
    m_keys[i]->setEditable(true);  // any setting or node.param, not only the listed ones
    m_keys[i]->setInsertPolicy(QComboBox::NoInsert);
    m_keys[i]->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_keys[i]->setMinimumContentsLength(10);
    m_keys[i]->setToolTip(tr("A training setting (lr, batch, …) or a node param "
                             "(node.param, e.g. fc1.out_features)"));
    m_values[i] = new QLineEdit;
    m_values[i]->setPlaceholderText(i == 0 ? tr("1e-3, 3e-3") : tr("values (optional)"));
    m_values[i]->setToolTip(tr("Comma-separated values"));
    grid->addWidget(m_keys[i], i, 0);
    grid->addWidget(m_values[i], i, 1);
  }
  grid->setColumnStretch(1, 1);
  m_run = new QPushButton(tr("Run sweep"));
  m_cancel = new QPushButton(tr("Cancel sweep"));
  m_cancel->setToolTip(tr("Start no further runs; the current one finishes and keeps its record"));
  grid->addWidget(m_run, kAxes, 0);
  grid->addWidget(m_cancel, kAxes, 1);
  m_queue = new QListWidget;
  m_queue->setMaximumHeight(90);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(grid);
  layout->addWidget(m_queue);

  connect(m_run, &QPushButton::clicked, this, [this] { m_runner->start(axes()); });
  connect(m_cancel, &QPushButton::clicked, m_runner, &SweepRunner::cancel);
  connect(m_runner, &SweepRunner::queueChanged, this, &SweepPanel::showQueue);
  connect(m_runner, &SweepRunner::errorOccurred, this, [this](const QString& message) {
    m_queue->clear();
    auto* item = new QListWidgetItem(message, m_queue);
    item->setForeground(QColor(0xc0, 0x39, 0x2b));
    item->setToolTip(message);
  });
  connect(m_controller, &TrainingController::stateChanged, this, &SweepPanel::updateButtons);
  connect(m_runner, &SweepRunner::queueChanged, this, &SweepPanel::updateButtons);
  connect(m_model, &GraphModel::modelReset, this, &SweepPanel::fillKeys);
  fillKeys();
  updateButtons();
}

QStringList SweepPanel::axes() const {
  QStringList out;
  for (int i = 0; i < kAxes; ++i) {
    const QString key = m_keys[i]->currentText().trimmed();
    const QString values = m_values[i]->text().trimmed();
    if (!key.isEmpty() && !values.isEmpty()) out << key + QLatin1Char('=') + values;
  }
  return out;
}

void SweepPanel::fillKeys() {
  // The settings, then every param of every node the open graph has (node.param).
  QStringList keys;
  for (const char* k : kSettings) keys << QLatin1String(k);
  const LayerRegistry& registry = LayerRegistry::instance();
  for (const GraphNode& n : m_model->document().nodes)
    if (const LayerSpec* spec = registry.find(n.type))
      for (const ParamSpec& p : spec->params)
        if (p.type == ParamType::Int || p.type == ParamType::Float ||
            p.type == ParamType::Bool || p.type == ParamType::Choice)
          keys << QString::fromStdString(n.id + "." + p.name);
  for (int i = 0; i < kAxes; ++i) {
    const QString current = m_keys[i]->currentText();
    m_keys[i]->clear();
    m_keys[i]->addItems(keys);
    m_keys[i]->setCurrentText(current.isEmpty() ? keys.value(i == 0 ? 0 : 1) : current);
  }
}

void SweepPanel::showQueue() {
  m_queue->clear();
  int i = 0;
  for (const SweepRunner::Point& p : m_runner->queue()) {
    auto* item = new QListWidgetItem(
        QStringLiteral("%1. %2 — %3").arg(++i).arg(p.label, SweepRunner::stateName(p.state)),
        m_queue);
    if (p.state == SweepRunner::PointState::Running) {
      QFont f = item->font();
      f.setBold(true);
      item->setFont(f);
    }
    if (!p.record.isEmpty()) item->setToolTip(p.record);
  }
}

void SweepPanel::updateButtons() {
  m_run->setEnabled(!m_runner->isRunning() && !m_controller->isTraining());
  m_cancel->setEnabled(m_runner->isRunning() && !m_runner->isCancelled());
}

}  // namespace strata::gui
