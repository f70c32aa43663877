#include "training/inferenceplayground.h"

#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "graph/model.h"
#include "train/data_set.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {
constexpr int kRefreshMs = 1000;  // the series view follows training once a second
constexpr int kWindows = 200;
}  // namespace

InferencePlayground::InferencePlayground(TrainingController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
  // Language models.
  auto* lm = new QWidget;
  m_prompt = new QLineEdit(QStringLiteral("The "));
  m_temperature = new QDoubleSpinBox;
  m_temperature->setRange(0.0, 3.0);
  m_temperature->setSingleStep(0.1);
  m_temperature->setValue(0.8);
  m_temperature->setToolTip(tr("0: greedy"));
  m_length = new QSpinBox;
  m_length->setRange(1, 2000);
  m_length->setValue(200);
  m_generate = new QPushButton(tr("Generate"));
  m_output = new QPlainTextEdit;
  m_output->setReadOnly(true);
  connect(m_generate, &QPushButton::clicked, this, [this] {
    const QString text = generate(m_prompt->text(), m_length->value(), m_temperature->value(),
                                  static_cast<uint64_t>(QDateTime::currentMSecsSinceEpoch()));
    m_output->setPlainText(m_prompt->text() + text);
  });
  auto* form = new QFormLayout;
  form->addRow(tr("Prompt"), m_prompt);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Temperature")));
  row->addWidget(m_temperature);
  row->addWidget(new QLabel(tr("Length")));
  row->addWidget(m_length);
  row->addStretch(1);
  row->addWidget(m_generate);
  auto* lmLayout = new QVBoxLayout(lm);
  lmLayout->addLayout(form);
  lmLayout->addLayout(row);
  lmLayout->addWidget(m_output, 1);

  // Series models.
  m_chart = new QChart;
  m_chart->setTitle(tr("Validation windows: prediction vs truth"));
  m_chart->setMargins(QMargins(4, 4, 4, 4));
  m_x = new QValueAxis;
  m_x->setTitleText(tr("validation window"));
  m_x->setLabelFormat(QStringLiteral("%.0f"));
  m_y = new QValueAxis;
  m_chart->addAxis(m_x, Qt::AlignBottom);
  m_chart->addAxis(m_y, Qt::AlignLeft);
  m_truth = new QLineSeries;
  m_truth->setName(tr("truth"));
  m_truth->setPen(QPen(QColor(0x60, 0x60, 0x60), 1.5));
  m_prediction = new QLineSeries;
  m_prediction->setName(tr("prediction"));
  m_prediction->setPen(QPen(QColor(0xd9, 0x5f, 0x0e), 2.0));
  for (QLineSeries* s : {m_truth, m_prediction}) {
    m_chart->addSeries(s);
    s->attachAxis(m_x);
    s->attachAxis(m_y);
  }
  m_chart->legend()->setAlignment(Qt::AlignBottom);
  auto* view = new QChartView(m_chart);
  view->setRenderHint(QPainter::Antialiasing);

  m_stack = new QStackedWidget;
  m_stack->addWidget(view);
  m_stack->addWidget(lm);
  m_status = new QLabel(tr("Train or load weights to try the model."));
  m_status->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_status);
  layout->addWidget(m_stack, 1);

  m_throttle.setSingleShot(true);
  m_throttle.setInterval(kRefreshMs);
  connect(&m_throttle, &QTimer::timeout, this, &InferencePlayground::onWeightsChanged);
  connect(m_controller, &TrainingController::weightsChanged, this, [this] {
    if (!m_throttle.isActive()) m_throttle.start();
  });
}

InferencePlayground::~InferencePlayground() = default;

QString InferencePlayground::statusText() const { return m_status->text(); }

bool InferencePlayground::isLanguageModel() const {
  const auto data = m_controller->dataSet();
  return data && data->vocabSize() > 0 && data->spec.rfind("text:", 0) == 0;
}

void InferencePlayground::onWeightsChanged() {
  if (!isVisible() && !m_controller->isTraining()) return;
  if (isLanguageModel()) {
    m_stack->setCurrentIndex(1);
    m_status->setText(tr("Language model at step %1: type a prompt and press Generate.")
                          .arg(m_controller->currentStep()));
    return;
  }
  m_stack->setCurrentIndex(0);
  refreshSeries();
}

int InferencePlayground::refreshSeries() {
  const auto data = m_controller->dataSet();
  if (!data || data->size() == 0) return 0;
  auto model = m_controller->inferenceModel();
  if (!model) {
    m_status->setText(QString::fromStdString(model.message()));
    return 0;
  }
  const TrainSettings& s = m_controller->settings();
  const DataSplit split = data->split(s.valSplit, s.seed, s.shuffle);
  std::vector<int64_t> idx = split.validation.empty() ? split.train : split.validation;
  if (idx.size() > static_cast<size_t>(kWindows)) idx.resize(kWindows);
  const Tensor x = data->gatherInputs(idx);
  const Tensor y = data->gatherTargets(idx);
  ForwardContext ctx;
  auto out = (*model)->forward({{(*model)->inputNames().front(), x}}, Tensor(), ctx);
  if (!out || !out->prediction.defined() || out->prediction.dtype() != DType::Float32) {
    m_status->setText(out ? tr("This model has no numeric prediction to plot.")
                          : QString::fromStdString(out.message()));
    return 0;
  }
  const int64_t n = static_cast<int64_t>(idx.size());
  const int64_t predStride = out->prediction.numel() / n;
  const int64_t truthStride = y.numel() / n;
  QList<QPointF> truth, pred;
  double lo = INFINITY, hi = -INFINITY, se = 0;
  for (int64_t i = 0; i < n; ++i) {
    // The last element of each window's prediction/target: the next value for series models.
    const double t = y.dtype() == DType::Float32 ? y.f32()[(i + 1) * truthStride - 1]
                                                 : static_cast<double>(y.i64()[i * truthStride]);
    const double p = out->prediction.f32()[(i + 1) * predStride - 1];
    truth.append(QPointF(static_cast<double>(i), t));
    pred.append(QPointF(static_cast<double>(i), p));
    lo = std::min({lo, t, p});
    hi = std::max({hi, t, p});
    se += (p - t) * (p - t);
  }
  m_truth->replace(truth);
  m_prediction->replace(pred);
  m_x->setRange(0, std::max<int64_t>(1, n - 1));
  const double pad = std::max((hi - lo) * 0.05, 1e-6);
  if (std::isfinite(lo) && std::isfinite(hi)) m_y->setRange(lo - pad, hi + pad);
  m_status->setText(tr("Step %1: %2 validation windows, MSE %3")
                        .arg(m_controller->currentStep())
                        .arg(n)
                        .arg(se / static_cast<double>(n), 0, 'g', 4));
  return static_cast<int>(n);
}

QString InferencePlayground::generate(const QString& prompt, int length, double temperature,
                                      uint64_t seed) {
  const auto data = m_controller->dataSet();
  if (!data || data->vocabSize() == 0) return {};
  auto compiled = m_controller->inferenceModel();
  if (!compiled) {
    m_status->setText(QString::fromStdString(compiled.message()));
    return {};
  }
  Model& model = **compiled;
  const std::string name = model.inputNames().front();
  const TensorType type = model.inputType(name);
  int64_t window = type.shape.size() >= 2 ? type.shape[1] : -1;
  if (isSymbolic(window)) window = m_controller->settings().seqLen;
  std::map<std::string, int64_t> index;
  for (size_t k = 0; k < data->vocab.size(); ++k)
    index[data->vocab[k]] = static_cast<int64_t>(k);
  // The vocabulary holds UTF-8 characters; unknown ones map to token 0.
  std::vector<int64_t> tokens;
  for (const QChar c : prompt) {
    auto it = index.find(QString(c).toStdString());
    tokens.push_back(it == index.end() ? 0 : it->second);
  }
  if (tokens.empty()) tokens.push_back(0);
  std::mt19937_64 rng(seed);
  std::string out;
  for (int k = 0; k < length; ++k) {
    const bool fixed = !isSymbolic(type.shape.size() >= 2 ? type.shape[1] : -1);
    std::vector<int64_t> ctxTokens(
        tokens.end() - std::min<int64_t>(static_cast<int64_t>(tokens.size()), window),
        tokens.end());
    const int64_t real = static_cast<int64_t>(ctxTokens.size());
    if (fixed && real < window) ctxTokens.insert(ctxTokens.begin(), window - real, 0);
    const auto t = static_cast<int64_t>(ctxTokens.size());
    ForwardContext fctx;
    auto res = model.forward({{name, Tensor::fromVector({1, t}, ctxTokens)}}, Tensor(), fctx);
    if (!res || !res->prediction.defined()) {
      m_status->setText(res ? tr("No logits to sample from") : QString::fromStdString(
                                                                    res.message()));
      break;
    }
    const Tensor& logits = res->prediction;
    const int64_t v = logits.size(-1);
    const float* last = logits.f32() + logits.numel() - v;  // the last position
    int64_t next = 0;
    if (temperature <= 0) {
      next = std::max_element(last, last + v) - last;
    } else {
      std::vector<double> w(static_cast<size_t>(v));
      const double mx = *std::max_element(last, last + v);
      for (int64_t i = 0; i < v; ++i) w[i] = std::exp((last[i] - mx) / temperature);
      std::discrete_distribution<int64_t> pick(w.begin(), w.end());
      next = pick(rng);
    }
    tokens.push_back(next);
    if (next < data->vocabSize()) out += data->vocab[static_cast<size_t>(next)];
  }
  return QString::fromStdString(out);
}

}  // namespace strata::gui
