#include "training/trainingworker.h"

#include "train/trainer.h"

namespace strata::gui {

void TrainingWorker::run() {
  const TrainReport r = m_trainer->run();
  if (m_after) m_after(r);
  emit finished(static_cast<int>(r.outcome), QString::fromStdString(r.message), r.steps,
                r.bestValLoss);
}

}  // namespace strata::gui
