// SweepRunner: runs a grid of training runs one after another through the TrainingController
// (so each is a normal run on the engine thread with its own run record that names the sweep).
// The queue is visible (each point pending, running, done, cancelled); cancel lets the current
// run finish and starts no more. Every point is checked before the first run starts.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

#include <vector>

#include "graph/document.h"
#include "train/sweep.h"

namespace strata::gui {

class TrainingController;

class SweepRunner final : public QObject {
  Q_OBJECT

 public:
  enum class PointState { Pending, Running, Done, Failed, Cancelled };
  struct Point {
    Json values;          // {"lr": 0.001, "fc1.out_features": 32}
    QString label;        // "fc1.out_features=32 lr=1e-3"
    PointState state = PointState::Pending;
    QString record;       // the run record, once it ran
  };

  explicit SweepRunner(TrainingController* controller, QObject* parent = nullptr);

  // Axes as typed: "lr=1e-3,3e-3", "fc1.out_features=64,128". False (and errorOccurred with the
  // axis or point and the reason) when one cannot work; nothing runs then.
  bool start(const QStringList& axes);
  bool start(const std::vector<strata::SweepAxis>& axes);
  // No run after the current one; the runs done keep their records.
  void cancel();
  bool isRunning() const { return m_running; }
  bool isCancelled() const { return m_cancelled; }
  const std::vector<Point>& queue() const { return m_queue; }
  QString sweepId() const { return m_id; }
  QString lastError() const { return m_error; }
  static QString stateName(PointState s);

 signals:
  void queueChanged();
  void sweepFinished(int runsDone, bool cancelled);
  void errorOccurred(const QString& message);

 private:
  bool fail(const QString& message);
  void startNext();
  void onRunFinished(int outcome);

  TrainingController* m_controller = nullptr;
  std::vector<Point> m_queue;
  int m_current = -1;
  bool m_running = false;
  bool m_cancelled = false;
  QString m_id;
  QString m_error;
};

}  // namespace strata::gui
