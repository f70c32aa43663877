#include "training/attentionviewer.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>
#include <vector>

#include "graph/blocks.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "training/heatmapview.h"
#include "training/modelsample.h"
#include "nn/transformer/attention.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

namespace {

constexpr int kRefreshMs = 500;  // ~2 Hz while training
constexpr int kMaxSteps = 64;    // longer samples are cut: a 64 x 64 grid is still readable

bool isAttentionLayer(const std::string& type) {
  return type == "MultiheadAttention" || type == "TransformerEncoderLayer" ||
         type == "TransformerDecoderLayer";
}

}  // namespace

AttentionViewer::AttentionViewer(TrainingController* controller, QWidget* parent)
    : QWidget(parent), m_controller(controller) {
  m_layer = new QComboBox;
  m_layer->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_head = new QComboBox;
  m_head->addItem(tr("mean of heads"), -1);
  m_status = new QLabel(tr("Train or load weights to see what the attention layers look at."));
  m_status->setWordWrap(true);
  m_heatmap = new HeatmapView;
  m_heatmap->setColorMap(HeatmapView::ColorMap::Sequential);
  m_heatmap->setAxisTitles(tr("query (attends from)"), tr("key (attends to)"));
  m_heatmap->setToolTipProvider([this](int r, int c) { return cellText(r, c); });

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Layer")));
  row->addWidget(m_layer);
  row->addWidget(new QLabel(tr("Head")));
  row->addWidget(m_head);
  row->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(row);
  layout->addWidget(m_status);
  layout->addWidget(m_heatmap, 1);

  auto onPick = [this] {
    if (!m_updating) refresh();
  };
  connect(m_layer, &QComboBox::currentIndexChanged, this, onPick);
  connect(m_head, &QComboBox::currentIndexChanged, this, onPick);
  refreshWhileTraining(this, m_controller, m_throttle, kRefreshMs, [this] { refresh(); });
}

AttentionViewer::~AttentionViewer() = default;

int AttentionViewer::layerCount() const { return m_layer->count(); }
QString AttentionViewer::layerName(int index) const { return m_layer->itemText(index); }
QString AttentionViewer::statusText() const { return m_status->text(); }

void AttentionViewer::setLayer(int index) {
  m_layer->setCurrentIndex(index);
  refresh();
}

void AttentionViewer::setHead(int head) {
  const int at = m_head->findData(head);
  if (at >= 0) m_head->setCurrentIndex(at);
  refresh();
}

void AttentionViewer::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_controller->hasWeights()) refresh();
}

void AttentionViewer::rebuildLayerList() {
  // The compiled layers: a Repeat block lists each copy ("layers.1.lstm").
  const GraphDocument doc = flatten(
      m_controller->hasWeights() ? m_controller->snapshot() : m_controller->model()->document());
  QStringList ids;  // "node" or "node/block" (decoder layers have two attention blocks)
  for (const GraphNode& n : doc.nodes) {
    if (!isAttentionLayer(n.type)) continue;
    const QString id = QString::fromStdString(n.id);
    if (n.type == "TransformerDecoderLayer")
      ids << id + QStringLiteral("/self_attn") << id + QStringLiteral("/multihead_attn");
    else
      ids << id;
  }
  QStringList current;
  for (int i = 0; i < m_layer->count(); ++i) current << m_layer->itemData(i).toString();
  if (current == ids) return;
  const QString keep = m_layer->currentData().toString();
  m_updating = true;
  m_layer->clear();
  for (const QString& id : ids) {
    const QString label = id.contains(QLatin1Char('/'))
                              ? id.section(QLatin1Char('/'), 0, 0) + QStringLiteral(" · ") +
                                    id.section(QLatin1Char('/'), 1)
                              : id;
    m_layer->addItem(label, id);
  }
  m_layer->setCurrentIndex(std::max(0, m_layer->findData(keep)));
  m_updating = false;
}

bool AttentionViewer::refresh() {
  rebuildLayerList();
  if (m_layer->count() == 0) {
    m_status->setText(tr("This graph has no attention layer (MultiheadAttention or a "
                         "Transformer encoder/decoder layer)."));
    m_heatmap->clear();
    return false;
  }
  const ModelSample sample = ModelSample::first(*m_controller, kMaxSteps);
  if (!sample.valid()) {
    m_status->setText(sample.error);
    return false;
  }
  auto compiled = m_controller->inferenceModel();
  if (!compiled) {
    m_status->setText(QString::fromStdString(compiled.message()));
    return false;
  }
  Model& model = **compiled;
  ForwardContext ctx;
  ctx.captureAttention = true;
  auto out = model.forward({{model.inputNames().front(), sample.input}}, Tensor(), ctx);
  if (!out) {
    m_status->setText(QString::fromStdString(out.message()));
    return false;
  }
  const QString pick = m_layer->currentData().toString();
  const std::string nodeId = pick.section(QLatin1Char('/'), 0, 0).toStdString();
  const std::string block = pick.section(QLatin1Char('/'), 1).toStdString();
  const auto* capture = dynamic_cast<const nn::AttentionCapture*>(model.module(nodeId));
  if (!capture) {
    m_status->setText(tr("%1 keeps no attention maps.").arg(pick));
    return false;
  }
  Tensor probs;
  for (const NamedTensor& m : capture->attentionMaps())
    if (block.empty() || m.name == block || m.name.empty()) probs = m.tensor;
  if (!probs.defined() || probs.shape().size() != 4) {
    m_status->setText(tr("%1 captured no attention in this forward.").arg(pick));
    return false;
  }
  // probs: [B, H, T, S]; batch item 0.
  const int heads = static_cast<int>(probs.size(1));
  const int t = static_cast<int>(probs.size(2));
  const int s = static_cast<int>(probs.size(3));
  if (heads != m_heads) {
    m_updating = true;
    const int keep = m_head->currentData().toInt();
    m_head->clear();
    m_head->addItem(tr("mean of heads"), -1);
    for (int h = 0; h < heads; ++h) m_head->addItem(tr("head %1").arg(h), h);
    m_head->setCurrentIndex(std::max(0, m_head->findData(keep)));
    m_heads = heads;
    m_updating = false;
  }
  const int head = m_head->currentData().toInt();
  std::vector<float> values(static_cast<size_t>(t) * static_cast<size_t>(s), 0.0f);
  const float* p = probs.f32();
  const size_t plane = static_cast<size_t>(t) * static_cast<size_t>(s);
  for (int h = 0; h < heads; ++h) {
    if (head >= 0 && h != head) continue;
    const float w = head >= 0 ? 1.0f : 1.0f / static_cast<float>(heads);
    for (size_t i = 0; i < plane; ++i) values[i] += w * p[static_cast<size_t>(h) * plane + i];
  }
  auto labels = [&sample](int n) {
    if (sample.labels.size() == n) return sample.labels;
    QStringList positions;
    for (int i = 0; i < n; ++i) positions << QString::number(i);
    return positions;
  };
  m_queryLabels = labels(t);
  m_keyLabels = labels(s);
  m_heatmap->setAxisLabels(m_queryLabels, m_keyLabels);
  m_heatmap->setMatrix(t, s, std::move(values), 0.0, 1.0);
  m_status->setText(tr("Step %1 · %2, %3 · %4 queries x %5 keys of the first validation sample")
                        .arg(m_controller->currentStep())
                        .arg(m_layer->currentText(), m_head->currentText())
                        .arg(t)
                        .arg(s));
  return true;
}

QString AttentionViewer::cellText(int row, int col) const {
  const QString q = row < m_queryLabels.size() ? m_queryLabels[row] : QString::number(row);
  const QString k = col < m_keyLabels.size() ? m_keyLabels[col] : QString::number(col);
  return tr("query %1 '%2' → key %3 '%4': %5")
      .arg(row)
      .arg(q)
      .arg(col)
      .arg(k)
      .arg(static_cast<double>(m_heatmap->value(row, col)), 0, 'f', 3);
}

}  // namespace strata::gui
