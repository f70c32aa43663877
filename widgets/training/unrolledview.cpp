#include "training/unrolledview.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "graph/blocks.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "training/heatmapview.h"
#include "io/safetensors.h"
#include "training/modelsample.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {

constexpr int kRefreshMs = 500;  // ~2 Hz while training
constexpr int kMaxSteps = 48;    // columns stay a few pixels wide in a dock
const std::string kProbeIn = "__unrolled_in";
const std::string kProbeOut = "__unrolled_out";

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// y[r] = b[r] + sum_k W[r, k] * x[k] for r in [0, rows); W row-major [rows, n]. b may be null.
void affine(const float* w, const float* b, const float* x, int rows, int n, float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* row = w + static_cast<size_t>(r) * static_cast<size_t>(n);
    float acc = b ? b[r] : 0.0f;
    for (int k = 0; k < n; ++k) acc += row[k] * x[k];
    y[r] = acc;
  }
}

QString rangeText(const float* v, int n) {
  float lo = v[0], hi = v[0], sumAbs = 0.0f;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
    sumAbs += std::abs(v[i]);
  }
  return QStringLiteral("mean |·| %1, range [%2, %3]")
      .arg(static_cast<double>(sumAbs / static_cast<float>(n)), 0, 'f', 3)
      .arg(static_cast<double>(lo), 0, 'f', 3)
      .arg(static_cast<double>(hi), 0, 'f', 3);
}

}  // namespace

UnrolledView::UnrolledView(TrainingController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
  m_layer = new QComboBox;
  m_layer->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_status = new QLabel(tr("Train or load weights to watch a recurrent layer step through "
                           "a sequence."));
  m_status->setWordWrap(true);
  auto makeView = [this](const QString& rowTitle) {
    auto* v = new HeatmapView;
    v->setColorMap(HeatmapView::ColorMap::Diverging);
    v->setSquareCells(false);
    v->setCellSize(1, 18);
    v->setAxisTitles(rowTitle, tr("time step (input)"));
    v->setToolTipProvider([this](int unit, int step) { return stepSummary(step, unit); });
    return v;
  };
  m_hiddenView = makeView(tr("hidden h"));
  m_cellView = makeView(tr("cell c"));

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Layer")));
  row->addWidget(m_layer);
  row->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(row);
  layout->addWidget(m_status);
  layout->addWidget(m_hiddenView, 1);
  layout->addWidget(m_cellView, 1);

  connect(m_layer, &QComboBox::currentIndexChanged, this, [this] {
    if (!m_updating) refresh();
  });
  refreshWhileTraining(this, m_controller, m_throttle, kRefreshMs, [this] { refresh(); });
}

UnrolledView::~UnrolledView() = default;

int UnrolledView::layerCount() const { return m_layer->count(); }
QString UnrolledView::statusText() const { return m_status->text(); }

void UnrolledView::setLayer(int index) {
  m_layer->setCurrentIndex(index);
  refresh();
}

void UnrolledView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_controller->hasWeights()) refresh();
}

void UnrolledView::rebuildLayerList() {
  // The compiled layers: a Repeat block lists each copy ("layers.1.lstm").
  const GraphDocument doc = flatten(
      m_controller->hasWeights() ? m_controller->snapshot() : m_controller->model()->document());
  QStringList ids;
  for (const GraphNode& n : doc.nodes)
    if (n.type == "RNN" || n.type == "LSTM" || n.type == "GRU")
      ids << QString::fromStdString(n.id);
  QStringList current;
  for (int i = 0; i < m_layer->count(); ++i) current << m_layer->itemText(i);
  if (current == ids) return;
  const QString keep = m_layer->currentText();
  m_updating = true;
  m_layer->clear();
  m_layer->addItems(ids);
  m_layer->setCurrentIndex(std::max(0, static_cast<int>(ids.indexOf(keep))));
  m_updating = false;
}

bool UnrolledView::refresh() {
  rebuildLayerList();
  if (m_layer->count() == 0) {
    m_status->setText(tr("This graph has no recurrent layer (RNN, LSTM or GRU)."));
    return false;
  }
  const ModelSample sample = ModelSample::first(*m_controller, kMaxSteps);
  if (!sample.valid()) {
    m_status->setText(sample.error);
    return false;
  }
  if (!m_controller->hasWeights()) {
    m_status->setText(tr("No weights yet: train or load a checkpoint."));
    return false;
  }
  // The trained document plus two probes: what flows into the layer and what comes out of it.
  GraphDocument doc = flatten(m_controller->snapshot());
  const std::string id = m_layer->currentText().toStdString();
  const GraphNode* node = doc.node(id);
  std::optional<Endpoint> source;
  for (const GraphEdge* e : doc.edgesInto(id))
    if (e->to.port == "in") source = e->from;
  if (!node || !source) {
    m_status->setText(tr("%1 has no input connected.").arg(m_layer->currentText()));
    return false;
  }
  const std::string type = node->type;
  const std::string nonlinearity = node->params.value("nonlinearity", std::string("tanh"));
  for (const std::string& probe : {kProbeIn, kProbeOut}) {
    GraphNode out;
    out.id = probe;
    out.type = "Output";
    doc.nodes.push_back(out);
  }
  doc.edges.push_back({*source, {kProbeIn, "in"}});
  doc.edges.push_back({{id, "out"}, {kProbeOut, "in"}});
  auto compiled = Model::compile(doc);
  if (!compiled) {
    m_status->setText(QString::fromStdString(compiled.message()));
    return false;
  }
  Model& model = **compiled;
  std::vector<NamedTensor> params = model.parameters();
  if (Status s = assignTensors(m_controller->currentWeights(), params); !s) {
    m_status->setText(QString::fromStdString(s.message()));
    return false;
  }
  ForwardContext ctx;
  auto run = model.forward({{model.inputNames().front(), sample.input}}, Tensor(), ctx);
  if (!run) {
    m_status->setText(QString::fromStdString(run.message()));
    return false;
  }
  const Tensor x = run->outputs.at(kProbeIn);     // [1, T, I]
  const Tensor out = run->outputs.at(kProbeOut);  // [1, T, D*H]
  const Module* layer = model.module(id);
  const Tensor wih = layer->parameter("weight_ih_l0");  // [G*H, I]
  const Tensor whh = layer->parameter("weight_hh_l0");  // [G*H, H]
  const Tensor bih = layer->parameter("bias_ih_l0");    // [G*H] or undefined (bias=false)
  const Tensor bhh = layer->parameter("bias_hh_l0");
  if (!wih.defined() || !whh.defined() || x.shape().size() != 3 || x.dtype() != DType::Float32) {
    m_status->setText(tr("%1: unexpected weights or input.").arg(m_layer->currentText()));
    return false;
  }
  m_kind = type == "LSTM"  ? Kind::Lstm
           : type == "GRU" ? Kind::Gru
           : nonlinearity == "relu" ? Kind::RnnRelu
                                    : Kind::Rnn;
  const int gates = m_kind == Kind::Lstm ? 4 : m_kind == Kind::Gru ? 3 : 1;
  const int hidden = static_cast<int>(whh.size(1));
  const int inputs = static_cast<int>(wih.size(1));
  const int steps = static_cast<int>(x.size(1));
  const size_t gh = static_cast<size_t>(gates) * static_cast<size_t>(hidden);
  m_steps = steps;
  m_hidden = hidden;
  m_h.assign(static_cast<size_t>(steps) * hidden, 0.0f);
  m_c.assign(m_kind == Kind::Lstm ? m_h.size() : 0, 0.0f);
  m_gates.assign(static_cast<size_t>(steps) * gh, 0.0f);
  std::vector<float> h(hidden, 0.0f), c(hidden, 0.0f), a(gh), b(gh);  // h0 = c0 = 0
  const float* biasIh = bih.defined() ? bih.f32() : nullptr;
  const float* biasHh = bhh.defined() ? bhh.f32() : nullptr;
  for (int t = 0; t < steps; ++t) {
    const float* xt = x.f32() + static_cast<size_t>(t) * inputs;
    affine(wih.f32(), biasIh, xt, static_cast<int>(gh), inputs, a.data());       // W_ih x + b_ih
    affine(whh.f32(), biasHh, h.data(), static_cast<int>(gh), hidden, b.data());  // W_hh h + b_hh
    float* g = m_gates.data() + static_cast<size_t>(t) * gh;
    for (int u = 0; u < hidden; ++u) {
      if (m_kind == Kind::Lstm) {  // PyTorch gate order i, f, g, o
        const float i = sigmoid(a[u] + b[u]);
        const float f = sigmoid(a[hidden + u] + b[hidden + u]);
        const float gg = std::tanh(a[2 * hidden + u] + b[2 * hidden + u]);
        const float o = sigmoid(a[3 * hidden + u] + b[3 * hidden + u]);
        c[u] = f * c[u] + i * gg;
        h[u] = o * std::tanh(c[u]);
        g[u] = i, g[hidden + u] = f, g[2 * hidden + u] = gg, g[3 * hidden + u] = o;
      } else if (m_kind == Kind::Gru) {  // r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn))
        const float r = sigmoid(a[u] + b[u]);
        const float z = sigmoid(a[hidden + u] + b[hidden + u]);
        const float n = std::tanh(a[2 * hidden + u] + r * b[2 * hidden + u]);
        h[u] = (1.0f - z) * n + z * h[u];
        g[u] = r, g[hidden + u] = z, g[2 * hidden + u] = n;
      } else {
        const float pre = a[u] + b[u];
        h[u] = m_kind == Kind::Rnn ? std::tanh(pre) : std::max(0.0f, pre);
        g[u] = h[u];
      }
    }
    std::copy(h.begin(), h.end(), m_h.begin() + static_cast<size_t>(t) * hidden);
    if (m_kind == Kind::Lstm)
      std::copy(c.begin(), c.end(), m_c.begin() + static_cast<size_t>(t) * hidden);
  }
  // With one layer and one direction the layer's own output is exactly h_t: a check that the
  // re-stepped states are the ones the model computes.
  m_mismatch = -1.0;
  if (out.defined() && out.numel() == static_cast<int64_t>(m_h.size())) {
    m_mismatch = 0.0;
    for (size_t k = 0; k < m_h.size(); ++k)
      m_mismatch = std::max(m_mismatch, static_cast<double>(std::abs(out.f32()[k] - m_h[k])));
  }

  // Columns are steps, rows are units: transpose [T, H] -> [H, T].
  auto transposed = [steps, hidden](const std::vector<float>& v) {
    std::vector<float> m(v.size());
    for (int t = 0; t < steps; ++t)
      for (int u = 0; u < hidden; ++u)
        m[static_cast<size_t>(u) * steps + t] = v[static_cast<size_t>(t) * hidden + u];
    return m;
  };
  auto absMax = [](const std::vector<float>& v) {
    float m = 1e-6f;
    for (float f : v) m = std::max(m, std::abs(f));
    return static_cast<double>(m);
  };
  m_labels = sample.labels;
  QStringList units;  // rows are many: label a few
  m_hiddenView->setAxisLabels(units, m_labels);
  const double hMax = m_kind == Kind::RnnRelu ? absMax(m_h) : 1.0;  // tanh-bounded states
  m_hiddenView->setMatrix(hidden, steps, transposed(m_h), -hMax, hMax);
  m_cellView->setVisible(m_kind == Kind::Lstm);
  if (m_kind == Kind::Lstm) {
    m_cellView->setAxisLabels(units, m_labels);
    const double cMax = absMax(m_c);
    m_cellView->setMatrix(hidden, steps, transposed(m_c), -cMax, cMax);
  }
  QString status = tr("Step %1 · %2 (%3, %4 units) unrolled over %5 steps of the first "
                      "validation sample; layer 0 re-stepped from its weights")
                       .arg(m_controller->currentStep())
                       .arg(m_layer->currentText(), QString::fromStdString(type))
                       .arg(hidden)
                       .arg(steps);
  if (m_mismatch >= 0) status += tr(" (max |Δ| vs the layer: %1)").arg(m_mismatch, 0, 'g', 2);
  m_status->setText(status);
  return true;
}

QString UnrolledView::stepSummary(int step, int unit) const {
  if (step < 0 || step >= m_steps || unit < 0 || unit >= m_hidden) return {};
  const size_t at = static_cast<size_t>(step) * m_hidden;
  const QString input = step < m_labels.size() ? m_labels[step] : QString::number(step);
  QString text = tr("step %1, input '%2'\nunit %3: h = %4")
                     .arg(step)
                     .arg(input)
                     .arg(unit)
                     .arg(static_cast<double>(m_h[at + unit]), 0, 'f', 3);
  if (m_kind == Kind::Lstm)
    text += tr(", c = %1").arg(static_cast<double>(m_c[at + unit]), 0, 'f', 3);
  text += tr("\nh over units: %1").arg(rangeText(m_h.data() + at, m_hidden));
  if (m_kind == Kind::Lstm)
    text += tr("\nc over units: %1").arg(rangeText(m_c.data() + at, m_hidden));
  const int gates = m_kind == Kind::Lstm ? 4 : m_kind == Kind::Gru ? 3 : 0;
  if (gates > 0) {
    static const char* const kLstm[] = {"input i", "forget f", "cell g", "output o"};
    static const char* const kGru[] = {"reset r", "update z", "new n"};
    const float* g = m_gates.data() + static_cast<size_t>(step) * gates * m_hidden;
    text += tr("\ngates of unit %1 (mean over units):").arg(unit);
    for (int k = 0; k < gates; ++k) {
      const float* gk = g + static_cast<size_t>(k) * m_hidden;
      float mean = 0.0f;
      for (int u = 0; u < m_hidden; ++u) mean += gk[u];
      mean /= static_cast<float>(m_hidden);
      text += QStringLiteral("\n  %1 = %2 (%3)")
                  .arg(QLatin1String(m_kind == Kind::Lstm ? kLstm[k] : kGru[k]))
                  .arg(static_cast<double>(gk[unit]), 0, 'f', 3)
                  .arg(static_cast<double>(mean), 0, 'f', 3);
    }
  }
  return text;
}

}  // namespace strata::gui
