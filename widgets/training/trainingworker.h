// The object that lives on the training thread: run() blocks that thread in Trainer::run() and
// reports the outcome. Steering never goes through it (queued slots would wait behind run());
// the controller talks to the Trainer's atomic flags directly.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace strata {
class Trainer;
struct TrainReport;
}

namespace strata::gui {

class TrainingWorker final : public QObject {
  Q_OBJECT

 public:
  // `after` runs on the training thread once run() returns, before finished() (the run record's
  // checkpoints and summary: written there so the GUI thread never waits on the disk).
  explicit TrainingWorker(Trainer* trainer,
                          std::function<void(const TrainReport&)> after = {})
      : m_trainer(trainer), m_after(std::move(after)) {}

  void run();

 signals:
  // outcome: 0 finished, 1 stopped, 2 failed (strata::TrainOutcome).
  void finished(int outcome, const QString& message, qint64 steps, double bestValLoss);

 private:
  Trainer* m_trainer = nullptr;
  std::function<void(const TrainReport&)> m_after;
};

}  // namespace strata::gui
