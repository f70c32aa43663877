// ModelSample: the one input the teaching views (attention viewer, unrolled RNN) run the model
// on: the first validation sample of the run's data set, with a label per time step.
#pragma once

#include <functional>

#include <QString>
#include <QStringList>

#include "tensor/tensor.h"

class QTimer;
class QWidget;

namespace strata::gui {

class TrainingController;

// Calls `refresh` at most every `intervalMs` while the controller publishes new weights, and only
// while `view` is visible: the teaching views follow training without loading the GUI thread.
void refreshWhileTraining(QWidget* view, const TrainingController* controller, QTimer& throttle,
                          int intervalMs, std::function<void()> refresh);

struct ModelSample {
  Tensor input;        // [1, T, ...] as the model's first input wants it
  QStringList labels;  // one per time step: the character for text, else the position
  QString error;       // why there is no sample (no run yet, empty data set)

  bool valid() const { return input.defined(); }
  // At most `maxSteps` time steps are kept (the views stay readable and cheap).
  static ModelSample first(const TrainingController& controller, int maxSteps);
};

}  // namespace strata::gui
