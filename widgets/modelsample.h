// ModelSample: the one input the teaching views (attention viewer, unrolled RNN) run the model
// on: the first validation sample of the run's data set, with a label per time step.
#pragma once

#include <QString>
#include <QStringList>

#include "tensor/tensor.h"

namespace strata::gui {

class TrainingController;

struct ModelSample {
  Tensor input;        // [1, T, ...] as the model's first input wants it
  QStringList labels;  // one per time step: the character for text, else the position
  QString error;       // why there is no sample (no run yet, empty data set)

  bool valid() const { return input.defined(); }
  // At most `maxSteps` time steps are kept (the views stay readable and cheap).
  static ModelSample first(const TrainingController& controller, int maxSteps);
};

}  // namespace strata::gui
