#include "training/trainingpanel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>

#include "backends/backend.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "document/settrainingsettingscommand.h"
#include "train/data_request.h"
#include "train/data_set.h"
#include "train/train_settings.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {

const QStringList kDataKinds = {QStringLiteral("sine"), QStringLiteral("text"),
                                QStringLiteral("csv"), QStringLiteral("npy"),
                                QStringLiteral("task:copy"), QStringLiteral("task:reverse"),
                                QStringLiteral("task:sort")};

QDoubleSpinBox* doubleBox(double lo, double hi, int decimals, double step) {
  auto* b = new QDoubleSpinBox;
  b->setRange(lo, hi);
  b->setDecimals(decimals);
  b->setSingleStep(step);
  b->setKeyboardTracking(false);
  return b;
}

QSpinBox* intBox(int lo, int hi) {
  auto* b = new QSpinBox;
  b->setRange(lo, hi);
  b->setKeyboardTracking(false);
  return b;
}

QString duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
  const auto s = static_cast<qint64>(std::lround(seconds));
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

}  // namespace

TrainingPanel::TrainingPanel(GraphModel* model, TrainingController* controller, QWidget* parent)
    : QWidget(parent), m_model(model), m_controller(controller) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->addWidget(buildRun());
  layout->addWidget(buildSettings(), 1);

  connect(m_model, &GraphModel::modelReset, this, [this] {
    readSettings();
    updatePreview();
  });
  connect(m_model, &GraphModel::trainingSettingsChanged, this, &TrainingPanel::readSettings);
  connect(m_controller, &TrainingController::stateChanged, this, &TrainingPanel::updateButtons);
  connect(m_controller, &TrainingController::metricsArrived, this, &TrainingPanel::onMetrics);
  connect(m_controller, &TrainingController::started, this, [this](qint64 total, qint64) {
    m_runClock.start();
    m_firstStep = m_controller->currentStep();
    m_last = {};
    m_progress->setRange(0, static_cast<int>(total));
    m_progress->setValue(static_cast<int>(m_firstStep));
    m_freezeNode->clear();
    m_freezeNode->addItems(m_controller->trainableNodes());
    m_steerLr->setValue(m_controller->settings().lr);
    showMessage(tr("Training %1").arg(QString::fromStdString(
                    m_controller->dataSet() ? m_controller->dataSet()->description : "")),
                false);
  });
  connect(m_controller, &TrainingController::finished, this,
          [this](int outcome, const QString& message) {
            if (outcome == 2)
              showMessage(tr("Training stopped by the NaN/Inf guard: %1").arg(message), true);
            else if (outcome == 1)
              showMessage(tr("Stopped at step %1.").arg(m_controller->currentStep()), false);
            else
              showMessage(tr("Finished %1 steps.").arg(m_controller->currentStep()), false);
          });
  connect(m_controller, &TrainingController::errorOccurred, this,
          [this](const QString& m) { showMessage(m, true); });
  readSettings();
  updatePreview();
  updateButtons();
}

TrainingPanel::~TrainingPanel() = default;

QWidget* TrainingPanel::buildRun() {
  auto* box = new QGroupBox(tr("Run"));
  m_train = new QPushButton(tr("Train"));
  m_pause = new QPushButton(tr("Pause"));
  m_resume = new QPushButton(tr("Resume"));
  m_stop = new QPushButton(tr("Stop"));
  m_train->setToolTip(tr("Train a snapshot of the graph with these settings (F5)"));
  connect(m_train, &QPushButton::clicked, this, [this] {
    writeSettings();
    m_controller->start();
  });
  connect(m_pause, &QPushButton::clicked, m_controller, &TrainingController::pause);
  connect(m_resume, &QPushButton::clicked, m_controller, &TrainingController::resume);
  connect(m_stop, &QPushButton::clicked, m_controller, &TrainingController::stop);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {m_train, m_pause, m_resume, m_stop}) buttons->addWidget(b);

  m_progress = new QProgressBar;
  m_progress->setTextVisible(true);
  m_progressLabel = new QLabel(tr("Not started"));
  m_progressLabel->setWordWrap(true);  // "epoch · step · ETA · samples/s · loss" must not widen the column
  m_message = new QLabel;
  m_message->setWordWrap(true);
  m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

  // Steering while paused.
  m_steerLr = doubleBox(1e-7, 10.0, 7, 1e-4);
  m_applyLr = new QPushButton(tr("Set lr"));
  connect(m_applyLr, &QPushButton::clicked, this,
          [this] { m_controller->setLearningRate(m_steerLr->value()); });
  m_freezeNode = new QComboBox;
  m_freeze = new QPushButton(tr("Freeze / unfreeze"));
  connect(m_freeze, &QPushButton::clicked, this, [this] {
    const QString node = m_freezeNode->currentText();
    if (!node.isEmpty()) m_controller->setNodeFrozen(node, !m_controller->isFrozen(node));
  });
  // Two short rows and a 2×2 grid rather than one long row each: the right column stays narrow
  // enough for a 1366×768 screen without sideways scrolling.
  auto* steer = new QGridLayout;
  steer->addWidget(m_steerLr, 0, 0);
  steer->addWidget(m_applyLr, 0, 1);
  steer->addWidget(m_freezeNode, 1, 0);
  steer->addWidget(m_freeze, 1, 1);
  steer->setColumnStretch(0, 1);

  m_saveBest = new QPushButton(tr("Save best…"));
  m_saveLast = new QPushButton(tr("Save last…"));
  m_resumeFrom = new QPushButton(tr("Resume from…"));
  m_loadWeights = new QPushButton(tr("Load weights…"));
  connect(m_saveBest, &QPushButton::clicked, this, [this] { saveCheckpoint(true); });
  connect(m_saveLast, &QPushButton::clicked, this, [this] { saveCheckpoint(false); });
  connect(m_resumeFrom, &QPushButton::clicked, this, &TrainingPanel::resumeCheckpoint);
  connect(m_loadWeights, &QPushButton::clicked, this, &TrainingPanel::loadWeights);
  auto* ckpt = new QGridLayout;
  ckpt->addWidget(m_saveBest, 0, 0);
  ckpt->addWidget(m_saveLast, 0, 1);
  ckpt->addWidget(m_resumeFrom, 1, 0);
  ckpt->addWidget(m_loadWeights, 1, 1);

  auto* l = new QVBoxLayout(box);
  l->addLayout(buttons);
  l->addWidget(m_progress);
  l->addWidget(m_progressLabel);
  l->addWidget(m_message);
  l->addWidget(new QLabel(tr("Steer (while paused):")));
  l->addLayout(steer);
  l->addLayout(ckpt);
  return box;
}

QWidget* TrainingPanel::buildSettings() {
  m_settingsBox = new QGroupBox(tr("Settings (stored in the graph file)"));
  m_dataKind = new QComboBox;
  m_dataKind->addItems(kDataKinds);
  m_dataFile = new QLineEdit;
  m_dataFile->setPlaceholderText(tr("file (text, csv) or X.npy,Y.npy"));
  m_browse = new QPushButton(tr("…"));
  m_browse->setMaximumWidth(32);
  connect(m_browse, &QPushButton::clicked, this, &TrainingPanel::chooseDataFile);
  auto* dataRow = new QHBoxLayout;
  dataRow->addWidget(m_dataKind);
  dataRow->addWidget(m_dataFile, 1);
  dataRow->addWidget(m_browse);
  m_preview = new QPlainTextEdit;
  m_preview->setReadOnly(true);
  m_preview->setMaximumHeight(110);
  m_preview->setFont(QFont(QStringLiteral("DejaVu Sans Mono"), 8));

  m_valSplit = doubleBox(0.0, 0.9, 2, 0.05);
  m_optimizer = new QComboBox;
  m_optimizer->addItem(tr("SGD (momentum)"), QStringLiteral("sgd"));
  m_optimizer->addItem(tr("Adam"), QStringLiteral("adam"));
  m_optimizer->addItem(tr("AdamW"), QStringLiteral("adamw"));
  m_momentum = doubleBox(0.0, 0.999, 3, 0.05);
  m_lr = doubleBox(1e-7, 10.0, 7, 1e-4);
  m_schedule = new QComboBox;
  m_schedule->addItem(tr("constant"), QStringLiteral("constant"));
  m_schedule->addItem(tr("step"), QStringLiteral("step"));
  m_schedule->addItem(tr("cosine"), QStringLiteral("cosine"));
  m_schedule->addItem(tr("linear warm-up"), QStringLiteral("linear-warmup"));
  m_warmup = intBox(0, 1000000);
  m_batch = intBox(1, 65536);
  m_epochs = intBox(1, 100000);
  m_steps = intBox(0, 100000000);
  m_steps->setSpecialValueText(tr("from epochs"));
  m_clip = doubleBox(0.0, 1000.0, 3, 0.5);
  m_clip->setSpecialValueText(tr("off"));
  m_weightDecay = doubleBox(0.0, 1.0, 4, 0.001);
  m_seed = intBox(0, 2147483647);
  m_device = new QComboBox;
  m_device->addItem(tr("CPU"), QStringLiteral("cpu"));
  // Each GPU by name and memory; without one a greyed CUDA entry says why (no driver, no GPU,
  // or a build without CUDA) and what to do.
  const DeviceList gpus = cudaDevices();
  for (const DeviceInfo& gpu : gpus.devices) {
    const QString id = QStringLiteral("cuda:%1").arg(gpu.index);
    m_device->addItem(tr("%1 — %2, %3 GiB")
                          .arg(id, QString::fromStdString(gpu.name))
                          .arg(static_cast<double>(gpu.totalBytes) / (1024.0 * 1024.0 * 1024.0),
                               0, 'f', 1),
                      id);
  }
  if (gpus.devices.empty()) {
    m_device->addItem(tr("CUDA — not available"), QStringLiteral("cuda"));
    if (auto* items = qobject_cast<QStandardItemModel*>(m_device->model()))
      items->item(1)->setEnabled(false);
    m_device->setItemData(1, QString::fromStdString(gpus.reason), Qt::ToolTipRole);
  }

  auto* form = new QFormLayout(m_settingsBox);
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  form->addRow(tr("Data"), dataRow);
  form->addRow(m_preview);
  form->addRow(tr("Validation split"), m_valSplit);
  form->addRow(tr("Optimizer"), m_optimizer);
  form->addRow(tr("Momentum (SGD)"), m_momentum);
  form->addRow(tr("Learning rate"), m_lr);
  form->addRow(tr("Schedule"), m_schedule);
  form->addRow(tr("Warm-up steps"), m_warmup);
  form->addRow(tr("Batch"), m_batch);
  form->addRow(tr("Epochs"), m_epochs);
  form->addRow(tr("Steps"), m_steps);
  form->addRow(tr("Clip grad norm"), m_clip);
  form->addRow(tr("Weight decay"), m_weightDecay);
  form->addRow(tr("Seed"), m_seed);
  form->addRow(tr("Device"), m_device);

  auto commit = [this] {
    if (!m_loading) writeSettings();
  };
  for (QComboBox* c : {m_dataKind, m_optimizer, m_schedule, m_device})
    connect(c, &QComboBox::currentIndexChanged, this, commit);
  for (QDoubleSpinBox* b : {m_valSplit, m_momentum, m_lr, m_clip, m_weightDecay})
    connect(b, &QDoubleSpinBox::valueChanged, this, commit);
  for (QSpinBox* b : {m_warmup, m_batch, m_epochs, m_steps, m_seed})
    connect(b, &QSpinBox::valueChanged, this, commit);
  connect(m_dataFile, &QLineEdit::editingFinished, this, commit);
  connect(m_dataKind, &QComboBox::currentIndexChanged, this, [this] {
    if (!m_loading) updatePreview();
  });
  connect(m_dataFile, &QLineEdit::editingFinished, this, &TrainingPanel::updatePreview);
  return m_settingsBox;
}

Json TrainingPanel::editorSettings() const {
  // Only the keys whose control differs from what the document resolves to: a Train click with
  // nothing changed writes nothing (so adds no undo entry), and defaults the file leaves out stay
  // out. Settings that do not parse are all written, which replaces the bad values.
  Json j = m_model->document().training.is_object() ? m_model->document().training
                                                     : Json::object();
  const auto parsed = TrainSettings::fromJson(j);
  const TrainSettings* now = parsed ? &*parsed : nullptr;
  auto setString = [&j, now](const char* key, const QString& value, const std::string& current) {
    if (!now || value.toStdString() != current) j[key] = value.toStdString();
  };
  // A spin box shows a rounded value: changed means a different text, not a different double.
  auto setDouble = [&j, now](const char* key, const QDoubleSpinBox* box, double current) {
    if (!now || box->textFromValue(box->value()) != box->textFromValue(current))
      j[key] = box->value();
  };
  auto setInt = [&j, now](const char* key, const QSpinBox* box, int64_t current) {
    if (!now || box->value() != current) j[key] = box->value();
  };
  const TrainSettings defaults;
  const TrainSettings& c = now ? *now : defaults;
  QString data = m_dataKind->currentText();
  if (data == QLatin1String("text") || data == QLatin1String("csv") ||
      data == QLatin1String("npy"))
    data += QLatin1Char(':') + m_dataFile->text().trimmed();
  setString("data", data, c.data);
  setDouble("val_split", m_valSplit, c.valSplit);
  setString("optimizer", m_optimizer->currentData().toString(), c.optimizer);
  setDouble("momentum", m_momentum, c.momentum);
  setDouble("lr", m_lr, c.lr);
  setString("schedule", m_schedule->currentData().toString(), c.schedule);
  setInt("warmup_steps", m_warmup, c.warmupSteps);
  setInt("batch", m_batch, c.batch);
  setInt("epochs", m_epochs, c.epochs);
  setInt("steps", m_steps, c.steps);
  setDouble("clip_grad_norm", m_clip, c.clipGradNorm);
  setDouble("weight_decay", m_weightDecay, c.effectiveWeightDecay());
  setInt("seed", m_seed, static_cast<int64_t>(c.seed));
  setString("device", m_device->currentData().toString(), c.device);
  return j;
}

void TrainingPanel::readSettings() {
  auto parsed = TrainSettings::fromJson(m_model->document().training);
  const TrainSettings s = parsed ? *parsed : TrainSettings{};
  m_loading = true;
  const QString data = QString::fromStdString(s.data);
  const qsizetype colon = data.indexOf(QLatin1Char(':'));
  const QString kind = data.startsWith(QLatin1String("task:")) || colon < 0 ? data
                                                                            : data.left(colon);
  m_dataKind->setCurrentIndex(std::max<qsizetype>(0, kDataKinds.indexOf(kind)));
  m_dataFile->setText(kind == data ? QString() : data.mid(colon + 1));
  m_valSplit->setValue(s.valSplit);
  m_optimizer->setCurrentIndex(m_optimizer->findData(QString::fromStdString(s.optimizer)));
  m_momentum->setValue(s.momentum);
  m_lr->setValue(s.lr);
  m_schedule->setCurrentIndex(m_schedule->findData(QString::fromStdString(s.schedule)));
  m_warmup->setValue(static_cast<int>(s.warmupSteps));
  m_batch->setValue(static_cast<int>(s.batch));
  m_epochs->setValue(static_cast<int>(s.epochs));
  m_steps->setValue(static_cast<int>(s.steps));
  m_clip->setValue(s.clipGradNorm);
  m_weightDecay->setValue(s.effectiveWeightDecay());
  m_seed->setValue(static_cast<int>(s.seed));
  // "cuda" is cuda:0; a device this machine lacks falls back to the CPU entry.
  const QString device = QString::fromStdString(s.device == "cuda" ? "cuda:0" : s.device);
  const int deviceIndex = m_device->findData(device);
  const auto* deviceItems = qobject_cast<QStandardItemModel*>(m_device->model());
  m_device->setCurrentIndex(deviceIndex > 0 && deviceItems &&
                                    deviceItems->item(deviceIndex)->isEnabled()
                                ? deviceIndex
                                : 0);
  const bool fileKind = kind == QLatin1String("text") || kind == QLatin1String("csv") ||
                        kind == QLatin1String("npy");
  m_dataFile->setEnabled(fileKind);
  m_browse->setEnabled(fileKind);
  m_loading = false;
}

void TrainingPanel::writeSettings() {
  const Json before = m_model->document().training;
  const Json after = editorSettings();
  if (before == after) return;
  m_model->undoStack()->push(new SetTrainingSettingsCommand(m_model, before, after));
}

void TrainingPanel::chooseDataFile() {
  const QString dir = QFileInfo(m_model->filePath()).absolutePath();
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Choose a data file"), dir,
      tr("Data (*.txt *.csv *.npy);;All files (*)"));
  if (path.isEmpty()) return;
  m_dataFile->setText(path);
  writeSettings();
  updatePreview();
}

void TrainingPanel::updatePreview() {
  auto settings = TrainingController::documentSettings(*m_model);
  if (!settings) {
    m_preview->setPlainText(QString::fromStdString(settings.message()));
    return;
  }
  auto model = Model::compile(m_model->document());
  if (!model) {
    m_preview->setPlainText(tr("(the graph does not compile yet)"));
    return;
  }
  auto request = dataRequestFor(**model, settings->seqLen);
  if (!request) {
    m_preview->setPlainText(QString::fromStdString(request.message()));
    return;
  }
  auto data = makeDataSet(settings->data, *request, settings->seed);
  if (!data) {
    m_preview->setPlainText(QString::fromStdString(data.message()));
    return;
  }
  const DataPreview p = data->preview(6);
  QString text = QString::fromStdString(p.description) + QLatin1Char('\n');
  text += tr("%1 samples").arg(p.samples);
  if (p.vocabSize > 0) text += tr(", vocabulary %1").arg(p.vocabSize);
  text += QLatin1Char('\n');
  if (!p.columns.empty()) {
    QStringList cols;
    for (const auto& c : p.columns) cols << QString::fromStdString(c);
    text += cols.join(QStringLiteral("\t")) + QLatin1Char('\n');
  }
  for (const auto& row : p.rows) {
    QStringList cells;
    for (double v : row) cells << QString::number(v, 'g', 5);
    text += cells.join(QStringLiteral("\t")) + QLatin1Char('\n');
  }
  if (!p.text.empty()) text += QString::fromStdString(p.text);
  m_preview->setPlainText(text);
}

QString TrainingPanel::previewText() const { return m_preview->toPlainText(); }
QString TrainingPanel::progressText() const { return m_progressLabel->text(); }
QString TrainingPanel::messageText() const { return m_message->text(); }

void TrainingPanel::onMetrics(const std::vector<StepMetrics>& batch) {
  if (batch.empty()) return;
  m_last = batch.back();
  const qint64 total = m_controller->totalSteps();
  const qint64 perEpoch = std::max<qint64>(1, m_controller->stepsPerEpoch());
  const qint64 epochs = (total + perEpoch - 1) / perEpoch;
  m_progress->setValue(static_cast<int>(m_last.step));
  const double elapsed = m_runClock.elapsed() / 1000.0;
  const qint64 done = m_last.step - m_firstStep;
  const double eta = done > 0 ? elapsed / done * (total - m_last.step) : NAN;
  m_progressLabel->setText(tr("epoch %1/%2 · step %3/%4 · ETA %5 · %6 samples/s · loss %7")
                               .arg(m_last.epoch)
                               .arg(epochs)
                               .arg(m_last.step)
                               .arg(total)
                               .arg(duration(eta))
                               .arg(std::isfinite(m_last.samplesPerSec)
                                        ? std::lround(m_last.samplesPerSec)
                                        : 0)
                               .arg(m_last.loss, 0, 'g', 4));
}

void TrainingPanel::updateButtons() {
  using S = TrainingController::State;
  const S s = m_controller->state();
  m_train->setEnabled(s == S::Idle);
  m_pause->setEnabled(s == S::Running);
  m_resume->setEnabled(s == S::Paused);
  m_stop->setEnabled(s != S::Idle);
  m_applyLr->setEnabled(s == S::Paused);
  m_freeze->setEnabled(s == S::Paused);
  m_steerLr->setEnabled(s == S::Paused);
  m_freezeNode->setEnabled(s == S::Paused);
  m_saveBest->setEnabled(s != S::Running);
  m_saveLast->setEnabled(s != S::Running);
  m_resumeFrom->setEnabled(s == S::Idle);
  m_loadWeights->setEnabled(s == S::Idle);
  m_settingsBox->setEnabled(s == S::Idle);
}

void TrainingPanel::showMessage(const QString& text, bool error) {
  m_message->setText(text);
  m_message->setStyleSheet(error ? QStringLiteral("color: #b3261e; font-weight: bold;")
                                 : QString());
}

void TrainingPanel::saveCheckpoint(bool best) {
  const QString path = QFileDialog::getSaveFileName(
      this, best ? tr("Save the best weights") : tr("Save the last weights"), QString(),
      tr("safetensors (*.safetensors)"));
  if (path.isEmpty()) return;
  const Status s = best ? m_controller->saveBest(path) : m_controller->saveLast(path);
  showMessage(s ? tr("Saved %1").arg(path) : QString::fromStdString(s.message()), !s);
}

void TrainingPanel::resumeCheckpoint() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Resume from a checkpoint"),
                                                    QString(),
                                                    tr("safetensors (*.safetensors)"));
  if (path.isEmpty()) return;
  m_controller->setResumeCheckpoint(path);
  writeSettings();
  m_controller->start();
  m_controller->setResumeCheckpoint(QString());
}

void TrainingPanel::loadWeights() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Load weights"), QString(),
                                                    tr("safetensors (*.safetensors)"));
  if (path.isEmpty()) return;
  const Status s = m_controller->loadWeights(path);
  showMessage(s ? tr("Loaded %1 for the inference views").arg(path)
                : QString::fromStdString(s.message()),
              !s);
}

}  // namespace strata::gui
