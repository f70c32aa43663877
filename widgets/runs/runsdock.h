// The Runs dock: the run records of the open graph in a sortable table (name, start, what changed
// against the previous run, seed, how it ended and its figures, the note), sweeps grouped under
// one row each with their best run highlighted. Selecting runs overlays their curves on the
// training charts; rename, annotate, delete, open a run's graph and weights as a new document,
// export the comparison (CSV of every selected run's steps, PNG of the charts).
// The records themselves are read and edited through engine/train/run_record.h.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <map>
#include <vector>

#include "train/metrics_channel.h"
#include "train/run_record.h"

class QAction;
class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace strata::gui {

class TrainingCharts;

class RunsDock final : public QWidget {
  Q_OBJECT

 public:
  enum Column {
    kName, kStarted, kChanges, kSeed, kEnded, kSteps, kFinalLoss, kBestVal, kAccuracy,
    kStepsPerSec, kWall, kNote, kColumnCount
  };

  explicit RunsDock(TrainingCharts* charts, QWidget* parent = nullptr);
  ~RunsDock() override;

  // The runs folder shown (the open graph's); reloads.
  void setRunsDirectory(const QString& dir);
  QString runsDirectory() const { return m_dir; }
  // Reads the folder again, keeping the selection.
  void reload();
  // The record of the run in progress (empty: none). Any other record still "running" lost its
  // process (killed, crashed) and shows as "interrupted"; its log has every step up to then.
  void setActiveRecord(const QString& dir);

  // The records shown, oldest first.
  const std::vector<strata::RunInfo>& runs() const { return m_runs; }
  QTreeWidget* table() const { return m_table; }
  QTreeWidgetItem* itemFor(const QString& dir) const;
  // Selects these records (their curves overlay the charts).
  void selectRuns(const QStringList& dirs);
  QStringList selectedRuns() const;
  // The best run of each sweep (lowest final validation loss, else training loss).
  QStringList bestOfSweeps() const;

  // Edits, each reported in the status line when it fails.
  bool renameRun(const QString& dir, const QString& name);
  bool annotateRun(const QString& dir, const QString& note);
  bool deleteRuns(const QStringList& dirs);
  // Asks to open a record's graph with its final weights (last.safetensors).
  void openRun(const QString& dir);

  // The comparison: every step of each selected run,
  // columns run,step,epoch,loss,val_loss,accuracy,val_accuracy,lr,samples_per_s.
  bool exportComparisonCsv(const QString& path) const;
  bool exportComparisonPng(const QString& path);  // the charts with the overlays

  QString statusText() const;

  // Asked before deleting (tests answer without a dialog).
  using Confirm = std::function<bool(const QString& question)>;
  void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

 signals:
  // Open `graphPath` as a new (unsaved) document and load `weightsPath` into it.
  void openRequested(const QString& graphPath, const QString& weightsPath);
  void selectionChanged(const QStringList& dirs);
  // The user chose where run records go: a root folder (records in <root>/<graph file>.runs),
  // or empty for beside the graph file.
  void runsRootChosen(const QString& root);

 private:
  void rebuild();
  void fillRow(QTreeWidgetItem* item, const strata::RunInfo& run) const;
  void updateOverlays();
  void updateButtons();
  void chooseRename();
  void chooseNote();
  void chooseDelete();
  void chooseExport(bool png);
  void setStatus(const QString& text, bool error = false);
  const std::vector<strata::StepMetrics>& logOf(const strata::RunInfo& run) const;
  const strata::RunInfo* runFor(const QString& dir) const;

  TrainingCharts* m_charts = nullptr;
  QString m_dir;
  QString m_active;
  std::vector<strata::RunInfo> m_runs;
  // Logs read so far, by record folder (a finished run's log does not change).
  mutable std::map<QString, std::vector<strata::StepMetrics>> m_logs;
  QTreeWidget* m_table = nullptr;
  QLabel* m_folder = nullptr;
  QLabel* m_status = nullptr;
  QAction* m_rename = nullptr;
  QAction* m_note = nullptr;
  QAction* m_delete = nullptr;
  QAction* m_open = nullptr;
  QAction* m_exportCsv = nullptr;
  QAction* m_exportPng = nullptr;
  Confirm m_confirm;
  bool m_rebuilding = false;
};

}  // namespace strata::gui
