// The object that lives on the training thread: run() blocks that thread in Trainer::run() and
// reports the outcome. Steering never goes through it (queued slots would wait behind run());
// the controller talks to the Trainer's atomic flags directly.
#pragma once

#include <QObject>
#include <QString>

namespace strata {
class Trainer;
}

namespace strata::gui {

class TrainingWorker final : public QObject {
  Q_OBJECT

 public:
  explicit TrainingWorker(Trainer* trainer) : m_trainer(trainer) {}

  void run();

 signals:
  // outcome: 0 finished, 1 stopped, 2 failed (strata::TrainOutcome).
  void finished(int outcome, const QString& message, qint64 steps, double bestValLoss);

 private:
  Trainer* m_trainer = nullptr;
};

}  // namespace strata::gui
