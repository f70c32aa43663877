#include "training/modelsample.h"

#include <QCoreApplication>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <vector>

#include "train/data_set.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {

QString visible(const std::string& token) {
  const QString s = QString::fromStdString(token);
  if (s == QLatin1String(" ")) return QStringLiteral("␣");
  if (s == QLatin1String("\n")) return QStringLiteral("↵");
  if (s == QLatin1String("\t")) return QStringLiteral("⇥");
  return s;
}

}  // namespace

ModelSample ModelSample::first(const TrainingController& controller, int maxSteps) {
  ModelSample sample;
  const auto data = controller.dataSet();
  if (!data || data->size() == 0) {
    sample.error = QCoreApplication::translate("ModelSample",
                                               "Start a training run to pick a sample input.");
    return sample;
  }
  const TrainSettings& s = controller.settings();
  const DataSplit split = data->split(s.valSplit, s.seed, s.shuffle);
  const int64_t index = split.validation.empty() ? split.train.front() : split.validation.front();
  Tensor x = data->gatherInputs({index});
  if (x.shape().size() >= 2 && x.size(1) > maxSteps) {
    // Keep the first maxSteps steps: [1, T, ...] -> [1, maxSteps, ...].
    const int64_t t = x.size(1);
    const int64_t inner = x.numel() / t;
    Shape shape = x.shape();
    shape[1] = maxSteps;
    const int64_t n = maxSteps * inner;
    if (x.dtype() == DType::Int64)
      x = Tensor::fromVector(shape, std::vector<int64_t>(x.i64(), x.i64() + n));
    else
      x = Tensor::fromVector(shape, std::vector<float>(x.f32(), x.f32() + n));
  }
  const int64_t steps = x.shape().size() >= 2 ? x.size(1) : 1;
  const bool text = data->vocabSize() > 0 && x.dtype() == DType::Int64 && x.shape().size() == 2;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t token = text ? x.i64()[t] : -1;
    sample.labels << (text && token >= 0 && token < data->vocabSize()
                          ? visible(data->vocab[static_cast<size_t>(token)])
                          : QString::number(t));
  }
  sample.input = x;
  return sample;
}

void refreshWhileTraining(QWidget* view, const TrainingController* controller, QTimer& throttle,
                          int intervalMs, std::function<void()> refresh) {
  throttle.setSingleShot(true);
  throttle.setInterval(intervalMs);
  QObject::connect(&throttle, &QTimer::timeout, view, [view, refresh] {
    if (view->isVisible()) refresh();
  });
  QObject::connect(controller, &TrainingController::weightsChanged, view, [&throttle] {
    if (!throttle.isActive()) throttle.start();
  });
}

}  // namespace strata::gui
