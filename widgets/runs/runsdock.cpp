#include "runs/runsdock.h"

#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QAction>
#include <QMenu>
#include <QPixmap>
#include <QToolButton>
#include <QTextStream>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "training/trainingcharts.h"

namespace strata::gui {

namespace {

constexpr int kDirRole = Qt::UserRole + 1;   // column 0: the record folder (empty for a sweep)
constexpr int kSortRole = Qt::UserRole + 2;  // each column: the value to sort by
constexpr int kBestRole = Qt::UserRole + 3;  // column 0: the best run of its sweep

// Sorts numbers as numbers (NaN last) and text as text, by kSortRole.
class RunItem final : public QTreeWidgetItem {
 public:
  using QTreeWidgetItem::QTreeWidgetItem;
  bool operator<(const QTreeWidgetItem& other) const override {
    const int c = treeWidget() ? treeWidget()->sortColumn() : 0;
    const QVariant a = data(c, kSortRole), b = other.data(c, kSortRole);
    if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double)
      return a.toDouble() < b.toDouble();
    return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive) < 0;
  }
};

double sortable(double v) { return std::isfinite(v) ? v : std::numeric_limits<double>::max(); }

QString figure(double v, int digits = 4) {
  return std::isfinite(v) ? QString::number(v, 'g', digits) : QStringLiteral("–");
}

QString csvNumber(double v) { return std::isfinite(v) ? QString::number(v, 'g', 9) : QString(); }

QString csvText(const QString& s) {
  if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"'))) return s;
  return QLatin1Char('"') + QString(s).replace(QLatin1Char('"'), QStringLiteral("\"\"")) +
         QLatin1Char('"');
}

QString startedText(const std::string& iso) {
  const QDateTime t = QDateTime::fromString(QString::fromStdString(iso), Qt::ISODateWithMs);
  return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                     : QString::fromStdString(iso);
}

}  // namespace

RunsDock::RunsDock(TrainingCharts* charts, QWidget* parent) : QWidget(parent), m_charts(charts) {
  m_folder = new QLabel;
  m_folder->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_folder->setMinimumWidth(40);
  auto* refresh = new QToolButton;
  refresh->setText(tr("Refresh"));
  connect(refresh, &QToolButton::clicked, this, &RunsDock::reload);

  m_table = new QTreeWidget;
  m_table->setColumnCount(kColumnCount);
  m_table->setHeaderLabels({tr("Name"), tr("Started"), tr("Changes"), tr("Seed"), tr("Ended"),
                            tr("Steps"), tr("Final loss"), tr("Best val"), tr("Accuracy"),
                            tr("Steps/s"), tr("Wall s"), tr("Note")});
  m_table->headerItem()->setToolTip(kChanges, tr("What changed against the previous run"));
  m_table->headerItem()->setToolTip(kBestVal, tr("Lowest validation loss of the run"));
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(kStarted, Qt::AscendingOrder);
  m_table->setUniformRowHeights(true);
  m_table->setAlternatingRowColors(true);
  m_table->header()->setStretchLastSection(true);
  m_table->setMinimumHeight(60);
  connect(m_table, &QTreeWidget::itemSelectionChanged, this, [this] {
    if (m_rebuilding) return;
    updateButtons();
    updateOverlays();
    emit selectionChanged(selectedRuns());
  });
  connect(m_table, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item, int) {
    const QString dir = item->data(0, kDirRole).toString();
    if (!dir.isEmpty()) openRun(dir);
  });

  // The actions as one compact row above the table (the dock shares the right column, often
  // only ~140 px high): Open, Export and Edit menus, Refresh; the same in a right-click menu.
  m_open = new QAction(tr("Open"), this);
  m_open->setObjectName(QStringLiteral("openRun"));
  m_open->setToolTip(tr("Open the run's graph and its final weights as a new document"));
  m_exportCsv = new QAction(tr("Comparison as CSV…"), this);
  m_exportCsv->setObjectName(QStringLiteral("exportRunsCsv"));
  m_exportCsv->setToolTip(tr("Every step of the selected runs, one row each"));
  m_exportPng = new QAction(tr("Charts as PNG…"), this);
  m_exportPng->setObjectName(QStringLiteral("exportRunsPng"));
  m_exportPng->setToolTip(tr("The training charts with the selected runs overlaid"));
  m_rename = new QAction(tr("Rename…"), this);
  m_rename->setObjectName(QStringLiteral("renameRun"));
  m_note = new QAction(tr("Note…"), this);
  m_note->setObjectName(QStringLiteral("annotateRun"));
  m_delete = new QAction(tr("Delete"), this);
  m_delete->setObjectName(QStringLiteral("deleteRuns"));
  connect(m_rename, &QAction::triggered, this, &RunsDock::chooseRename);
  connect(m_note, &QAction::triggered, this, &RunsDock::chooseNote);
  connect(m_delete, &QAction::triggered, this, &RunsDock::chooseDelete);
  connect(m_open, &QAction::triggered, this, [this] {
    const QStringList dirs = selectedRuns();
    if (!dirs.isEmpty()) openRun(dirs.first());
  });
  connect(m_exportCsv, &QAction::triggered, this, [this] { chooseExport(false); });
  connect(m_exportPng, &QAction::triggered, this, [this] { chooseExport(true); });

  auto menuButton = [this](const QString& text, const QList<QAction*>& actions) {
    auto* button = new QToolButton;
    button->setText(text);
    button->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(button);
    menu->addActions(actions);
    button->setMenu(menu);
    return button;
  };
  auto* open = new QToolButton;
  open->setDefaultAction(m_open);
  auto* exportButton = menuButton(tr("Export"), {m_exportCsv, m_exportPng});
  auto* chooseRoot = new QAction(tr("Keep runs in a folder…"), this);
  chooseRoot->setObjectName(QStringLiteral("chooseRunsRoot"));
  chooseRoot->setToolTip(
      tr("Records go to <folder>/<graph file>.runs instead of beside the graph"));
  connect(chooseRoot, &QAction::triggered, this, [this] {
    const QString root = QFileDialog::getExistingDirectory(this, tr("Keep run records in"));
    if (!root.isEmpty()) emit runsRootChosen(root);
  });
  auto* besideGraph = new QAction(tr("Keep runs beside the graph"), this);
  besideGraph->setObjectName(QStringLiteral("runsBesideGraph"));
  connect(besideGraph, &QAction::triggered, this, [this] { emit runsRootChosen(QString()); });
  auto* separator = new QAction(this);
  separator->setSeparator(true);
  auto* editButton =
      menuButton(tr("Edit"), {m_rename, m_note, m_delete, separator, chooseRoot, besideGraph});
  refresh->setToolTip(tr("Read the runs folder again"));
  m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
  m_table->addActions({m_open, m_rename, m_note, m_delete, m_exportCsv, m_exportPng});

  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* top = new QHBoxLayout;
  top->addWidget(m_folder, 1);
  top->addWidget(open);
  top->addWidget(exportButton);
  top->addWidget(editButton);
  top->addWidget(refresh);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(2);
  layout->addLayout(top);
  layout->addWidget(m_table, 1);
  layout->addWidget(m_status);

  m_confirm = [this](const QString& question) {
    return QMessageBox::question(this, tr("Delete runs"), question) == QMessageBox::Yes;
  };
  updateButtons();
}

RunsDock::~RunsDock() = default;

void RunsDock::setRunsDirectory(const QString& dir) {
  if (dir != m_dir) {
    m_dir = dir;
    m_logs.clear();
    m_table->clearSelection();
  }
  m_folder->setText(QFileInfo(dir).fileName());
  m_folder->setToolTip(dir);
  reload();
}

void RunsDock::setActiveRecord(const QString& dir) {
  if (dir == m_active) return;
  m_active = dir;
  reload();
}

void RunsDock::reload() {
  const QStringList selected = selectedRuns();
  std::vector<std::string> problems;
  m_runs = m_dir.isEmpty() ? std::vector<RunInfo>{} : listRuns(m_dir.toStdString(), &problems);
  rebuild();
  selectRuns(selected);
  if (!problems.empty())
    setStatus(QString::fromStdString(problems.front()) +
                  (problems.size() > 1 ? tr(" (and %1 more)").arg(problems.size() - 1) : QString()),
              true);
  else
    setStatus(m_runs.empty() ? tr("No runs yet: each Train leaves one here.")
                             : tr("%n run(s)", nullptr, static_cast<int>(m_runs.size())));
}

void RunsDock::fillRow(QTreeWidgetItem* item, const RunInfo& run) const {
  auto set = [item](int column, const QString& text, const QVariant& sortBy) {
    item->setText(column, text);
    item->setData(column, kSortRole, sortBy);
  };
  const QString name = QString::fromStdString(run.name);
  set(kName, name, name);
  item->setData(kName, kDirRole, QString::fromStdString(run.dir));
  set(kStarted, startedText(run.started), QString::fromStdString(run.started));
  set(kChanges, QString::fromStdString(run.diff), QString::fromStdString(run.diff));
  item->setToolTip(kChanges, QString::fromStdString(run.diff));
  set(kSeed, QString::number(run.seed), static_cast<double>(run.seed));
  QString ended = QString::fromStdString(run.summary.ended);
  if (ended == QLatin1String("running") && QString::fromStdString(run.dir) != m_active) {
    ended = tr("interrupted");
    item->setToolTip(kEnded, tr("The run ended without its summary (killed or crashed); its "
                                "log has every step up to then"));
  }
  set(kEnded, ended, ended);
  if (!run.summary.message.empty())
    item->setToolTip(kEnded, QString::fromStdString(run.summary.message));
  set(kSteps, QString::number(run.summary.steps), static_cast<double>(run.summary.steps));
  set(kFinalLoss, figure(run.summary.finalLoss), sortable(run.summary.finalLoss));
  set(kBestVal, figure(run.summary.bestValLoss), sortable(run.summary.bestValLoss));
  set(kAccuracy, figure(run.summary.accuracy), sortable(run.summary.accuracy));
  set(kStepsPerSec, figure(run.summary.stepsPerSec, 3), sortable(run.summary.stepsPerSec));
  set(kWall, figure(run.summary.wallSeconds, 3), sortable(run.summary.wallSeconds));
  set(kNote, QString::fromStdString(run.note), QString::fromStdString(run.note));
  item->setToolTip(kName, tr("%1\nseed %2, %3 thread(s), %4, Strata %5")
                              .arg(QString::fromStdString(run.dir))
                              .arg(run.seed)
                              .arg(run.threads)
                              .arg(QString::fromStdString(run.device),
                                   QString::fromStdString(run.version)));
}

void RunsDock::rebuild() {
  m_rebuilding = true;
  m_table->setSortingEnabled(false);
  m_table->clear();
  std::map<std::string, QTreeWidgetItem*> sweeps;
  const QStringList best = bestOfSweeps();
  for (const RunInfo& run : m_runs) {
    QTreeWidgetItem* parent = nullptr;
    if (!run.sweep.empty()) {
      QTreeWidgetItem*& group = sweeps[run.sweep];
      if (!group) {
        group = new RunItem(m_table);
        group->setData(kStarted, kSortRole, QString::fromStdString(run.started));
        group->setText(kStarted, startedText(run.started));
        group->setExpanded(true);
      }
      parent = group;
    }
    QTreeWidgetItem* item = parent ? new RunItem(parent) : new RunItem(m_table);
    fillRow(item, run);
    if (best.contains(QString::fromStdString(run.dir))) {
      item->setData(kName, kBestRole, true);
      QFont bold = item->font(kName);
      bold.setBold(true);
      for (int c = 0; c < kColumnCount; ++c) {
        item->setFont(c, bold);
        item->setBackground(c, QColor(0xcf, 0xec, 0xcf));
        item->setForeground(c, QColor(0x10, 0x30, 0x10));
      }
      item->setToolTip(kFinalLoss, tr("The best run of this sweep"));
    }
  }
  for (auto& [id, group] : sweeps) {
    const QString name = tr("Sweep %1 (%n run(s))", nullptr, group->childCount())
                             .arg(QString::fromStdString(id).remove(QStringLiteral("sweep-")));
    group->setText(kName, name);
    group->setData(kName, kSortRole, name);
    group->setExpanded(true);
  }
  m_table->setSortingEnabled(true);
  for (int c : {kName, kStarted, kSeed, kEnded, kSteps, kFinalLoss, kBestVal})
    m_table->resizeColumnToContents(c);
  m_rebuilding = false;
  updateButtons();
}

QStringList RunsDock::bestOfSweeps() const {
  std::map<std::string, const RunInfo*> best;
  for (const RunInfo& r : m_runs) {
    if (r.sweep.empty() || !std::isfinite(r.summary.score())) continue;
    const RunInfo*& b = best[r.sweep];
    if (!b || r.summary.score() < b->summary.score()) b = &r;
  }
  QStringList out;
  for (const auto& [_, r] : best) out << QString::fromStdString(r->dir);
  return out;
}

QTreeWidgetItem* RunsDock::itemFor(const QString& dir) const {
  for (QTreeWidgetItemIterator it(m_table); *it; ++it)
    if ((*it)->data(0, kDirRole).toString() == dir) return *it;
  return nullptr;
}

void RunsDock::selectRuns(const QStringList& dirs) {
  m_rebuilding = true;
  m_table->clearSelection();
  for (const QString& d : dirs)
    if (QTreeWidgetItem* item = itemFor(d)) item->setSelected(true);
  m_rebuilding = false;
  updateButtons();
  updateOverlays();
  emit selectionChanged(selectedRuns());
}

QStringList RunsDock::selectedRuns() const {
  QStringList out;
  auto add = [&out](QTreeWidgetItem* item) {
    const QString dir = item->data(0, kDirRole).toString();
    if (!dir.isEmpty() && !out.contains(dir)) out << dir;
  };
  // In table order, so the legend follows what the user sees; a sweep row stands for its runs.
  for (QTreeWidgetItemIterator it(m_table); *it; ++it) {
    if (!(*it)->isSelected()) continue;
    add(*it);
    for (int i = 0; i < (*it)->childCount(); ++i) add((*it)->child(i));
  }
  return out;
}

const RunInfo* RunsDock::runFor(const QString& dir) const {
  for (const RunInfo& r : m_runs)
    if (QString::fromStdString(r.dir) == dir) return &r;
  return nullptr;
}

const std::vector<StepMetrics>& RunsDock::logOf(const RunInfo& run) const {
  const QString dir = QString::fromStdString(run.dir);
  auto it = m_logs.find(dir);
  // A run still going (or killed) may have more rows next time: only ended runs are cached.
  if (it != m_logs.end() && run.summary.ended != "running") return it->second;
  auto rows = readRunLog(run.logPath());
  std::vector<StepMetrics>& slot = m_logs[dir];
  slot = rows ? std::move(rows).value() : std::vector<StepMetrics>{};
  return slot;
}

void RunsDock::updateOverlays() {
  if (!m_charts) return;
  std::vector<ChartOverlay> overlays;
  QStringList shown;
  for (const QString& dir : selectedRuns())
    if (const RunInfo* run = runFor(dir)) {
      overlays.push_back({QString::fromStdString(run->name), logOf(*run)});
      shown << dir;
    }
  m_charts->setOverlays(overlays);
  // Each overlaid run's row carries its curve colour, so the table reads as the legend.
  for (QTreeWidgetItemIterator it(m_table); *it; ++it) {
    const qsizetype i = shown.indexOf((*it)->data(0, kDirRole).toString());
    if (i < 0) {
      (*it)->setIcon(kName, QIcon());
      continue;
    }
    QPixmap swatch(12, 12);
    swatch.fill(m_charts->overlayColor(static_cast<int>(i)));
    (*it)->setIcon(kName, QIcon(swatch));
  }
}

void RunsDock::updateButtons() {
  const int n = static_cast<int>(selectedRuns().size());
  m_rename->setEnabled(n == 1);
  m_note->setEnabled(n == 1);
  m_open->setEnabled(n == 1);
  m_delete->setEnabled(n > 0);
  m_exportCsv->setEnabled(n > 0);
  m_exportPng->setEnabled(n > 0 && m_charts);
}

void RunsDock::setStatus(const QString& text, bool error) {
  m_status->setText(text);
  m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
}

QString RunsDock::statusText() const { return m_status->text(); }

bool RunsDock::renameRun(const QString& dir, const QString& name) {
  Status s = strata::renameRun(dir.toStdString(), name.trimmed().toStdString());
  if (!s) {
    setStatus(QString::fromStdString(s.message()), true);
    return false;
  }
  reload();
  return true;
}

bool RunsDock::annotateRun(const QString& dir, const QString& note) {
  Status s = strata::annotateRun(dir.toStdString(), note.toStdString());
  if (!s) {
    setStatus(QString::fromStdString(s.message()), true);
    return false;
  }
  reload();
  return true;
}

bool RunsDock::deleteRuns(const QStringList& dirs) {
  bool ok = true;
  QString error;
  for (const QString& d : dirs) {
    Status s = removeRun(d.toStdString());
    if (!s) {
      ok = false;
      if (error.isEmpty()) error = QString::fromStdString(s.message());
    }
    m_logs.erase(d);
  }
  reload();
  if (!ok) setStatus(error, true);
  return ok;
}

void RunsDock::openRun(const QString& dir) {
  const RunInfo* run = runFor(dir);
  if (!run) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  // The weights at the end of the run: what its curves end with (best.safetensors is beside it).
  QString weights;
  if (fs::exists(run->lastWeightsPath(), ec))
    weights = QString::fromStdString(run->lastWeightsPath());
  if (weights.isEmpty()) {
    setStatus(tr("%1: no checkpoint in this record (the run did not end normally); "
                 "only its graph opens").arg(QString::fromStdString(run->name)),
              true);
  }
  emit openRequested(QString::fromStdString(run->graphPath()), weights);
}

bool RunsDock::exportComparisonCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&file);
  out << "run,step,epoch,loss,val_loss,accuracy,val_accuracy,lr,samples_per_s\n";
  for (const QString& dir : selectedRuns()) {
    const RunInfo* run = runFor(dir);
    if (!run) continue;
    const QString name = csvText(QString::fromStdString(run->name));
    for (const StepMetrics& m : logOf(*run))
      out << name << ',' << m.step << ',' << m.epoch << ',' << csvNumber(m.loss) << ','
          << csvNumber(m.valLoss) << ',' << csvNumber(m.accuracy) << ','
          << csvNumber(m.valAccuracy) << ',' << csvNumber(m.lr) << ','
          << csvNumber(m.samplesPerSec) << '\n';
  }
  out.flush();
  return out.status() == QTextStream::Ok && file.error() == QFileDevice::NoError;
}

bool RunsDock::exportComparisonPng(const QString& path) {
  if (!m_charts) return false;
  updateOverlays();
  return m_charts->exportPng(path);
}

void RunsDock::chooseRename() {
  const QStringList dirs = selectedRuns();
  const RunInfo* run = dirs.size() == 1 ? runFor(dirs.first()) : nullptr;
  if (!run) return;
  bool ok = false;
  const QString name = QInputDialog::getText(this, tr("Rename run"), tr("Name:"),
                                             QLineEdit::Normal,
                                             QString::fromStdString(run->name), &ok);
  if (ok) renameRun(dirs.first(), name);
}

void RunsDock::chooseNote() {
  const QStringList dirs = selectedRuns();
  const RunInfo* run = dirs.size() == 1 ? runFor(dirs.first()) : nullptr;
  if (!run) return;
  bool ok = false;
  const QString note = QInputDialog::getMultiLineText(
      this, tr("Note on run"), tr("Note:"), QString::fromStdString(run->note), &ok);
  if (ok) annotateRun(dirs.first(), note);
}

void RunsDock::chooseDelete() {
  const QStringList dirs = selectedRuns();
  if (dirs.isEmpty()) return;
  if (m_confirm(tr("Delete %n run record(s) with their logs and checkpoints?", nullptr,
                   static_cast<int>(dirs.size()))))
    deleteRuns(dirs);
}

void RunsDock::chooseExport(bool png) {
  const QString path = QFileDialog::getSaveFileName(
      this, png ? tr("Export comparison as PNG") : tr("Export comparison as CSV"), QString(),
      png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  const bool ok = png ? exportComparisonPng(path) : exportComparisonCsv(path);
  setStatus(ok ? tr("Exported %1").arg(path) : tr("%1: cannot write").arg(path), !ok);
}

}  // namespace strata::gui
