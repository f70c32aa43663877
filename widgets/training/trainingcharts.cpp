#include "training/trainingcharts.h"

#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QGraphicsSimpleTextItem>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTextStream>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

#include "training/chartdecimation.h"
#include "training/niceticks.h"

namespace strata::gui {

namespace {

constexpr int kRefreshMs = 66;  // <= 15 redraws a second, whatever the step rate
const QColor kLossColor(0x2b, 0x6c, 0xb0);
const QColor kValColor(0xd9, 0x5f, 0x0e);
const QColor kMarkerColor(0x80, 0x80, 0x80);
// Overlaid runs: distinct from the live run's blue and orange and from each other.
const QColor kOverlayColors[] = {QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
                                 QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                 QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf),
                                 QColor(0xbc, 0xbd, 0x22), QColor(0x7f, 0x7f, 0x7f)};

QChart* makeChart(const QString& title) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->legend()->setAlignment(Qt::AlignRight);  // height is scarce in the dock, width is not
  chart->setAnimationOptions(QChart::NoAnimation);
  return chart;
}

QValueAxis* makeAxis(const QString& title) {
  auto* a = new QValueAxis;
  a->setTitleText(title);
  a->setTickType(QValueAxis::TicksDynamic);  // ticks where NiceTicks puts them
  return a;
}

constexpr int kMaxTicks = 6;      // before the first layout
constexpr int kMostTicks = 10;    // a tall chart (a big screen, the dock undocked)

// As many ticks as the plot has room for: a value label needs about 28 px of height, a step
// label about 72 px of width. A chart squeezed to a short row on a 768-px screen gets 3 ticks
// with room between them instead of 6 labels drawn over each other. Before the first layout
// (no plot area yet) the default count applies; the next refresh corrects it.
int ticksThatFit(const QChart* chart, Qt::Orientation orientation) {
  const QRectF plot = chart->plotArea();
  const double room = orientation == Qt::Vertical ? plot.height() : plot.width();
  if (room <= 1) return kMaxTicks;
  const double perLabel = orientation == Qt::Vertical ? 28.0 : 72.0;
  return std::clamp(static_cast<int>(room / perLabel) + 1, 2, kMostTicks);
}

// Nice ticks on a value axis: a 1-2-5 spacing, labels with the digits the spacing needs.
void setTicks(QValueAxis* axis, const AxisTicks& t) {
  axis->setTickAnchor(t.values.empty() ? t.min : t.values.front());
  axis->setTickInterval(t.step);
  axis->setLabelFormat(t.format);
  // Qt Charts walks from the anchor adding the interval: a hair of slack keeps the last tick
  // (k × step, rounded) inside the range.
  const double slack = t.step * 1e-6;
  axis->setRange(t.min - slack, t.max + slack);
}

void setValueRange(const QChart* chart, QValueAxis* axis, double lo, double hi) {
  setTicks(axis, NiceTicks::linear(lo, hi, ticksThatFit(chart, Qt::Vertical),
                                   NiceTicks::Range::Widen));
}

void setStepRange(const QChart* chart, QValueAxis* axis, double first, double last) {
  setTicks(axis, NiceTicks::linear(first, last, ticksThatFit(chart, Qt::Horizontal),
                                   NiceTicks::Range::Keep, true));
}

QLineSeries* makeLine(const QString& name, const QColor& color, qreal width) {
  auto* s = new QLineSeries;
  s->setName(name);
  QPen pen(color);
  pen.setWidthF(width);
  s->setPen(pen);
  s->setUseOpenGL(false);
  return s;
}

void attach(QChart* chart, QAbstractSeries* s, QAbstractAxis* x, QAbstractAxis* y) {
  chart->addSeries(s);
  s->attachAxis(x);
  s->attachAxis(y);
}

std::pair<double, double> finiteRange(const QList<QPointF>& a, const QList<QPointF>& b = {}) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* list : {&a, &b})
    for (const QPointF& p : *list) {
      lo = std::min(lo, p.y());
      hi = std::max(hi, p.y());
    }
  if (!std::isfinite(lo)) return {0, 1};
  return {lo, hi};  // NiceTicks widens to whole ticks (and pads a single value)
}

QString num(double v) { return std::isfinite(v) ? QString::number(v, 'g', 7) : QString(); }

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  m_lossChart = makeChart(tr("Loss"));
  m_lossX = makeAxis(tr("step"));
  m_lossYLinear = makeAxis(QString());
  // Owned by this widget while the chart does not hold it (removeAxis() gives an axis back
  // without deleting it), so the axis not in use is neither leaked nor deleted twice.
  m_lossYLog = new QLogValueAxis(this);
  m_lossYLog->setLabelFormat(QStringLiteral("%g"));
  m_lossYLog->setMinorTickCount(-1);
  m_lossChart->addAxis(m_lossX, Qt::AlignBottom);
  m_lossChart->addAxis(m_lossYLinear, Qt::AlignLeft);
  m_lossRaw = makeLine(tr("train (raw)"), kLossColor.lighter(170), 1.0);
  m_lossSmooth = makeLine(tr("train (smoothed)"), kLossColor, 2.0);
  m_valLossSeries = makeLine(tr("validation"), kValColor, 2.0);
  m_valLossDots = new QScatterSeries;
  m_valLossDots->setMarkerSize(7);
  m_valLossDots->setColor(kValColor);
  m_valLossDots->setBorderColor(kValColor);
  for (QAbstractSeries* s : std::initializer_list<QAbstractSeries*>{
           m_lossRaw, m_lossSmooth, m_valLossSeries, m_valLossDots})
    attach(m_lossChart, s, m_lossX, m_lossYLinear);
  m_lossChart->legend()->markers(m_valLossDots).first()->setVisible(false);

  m_accChart = makeChart(tr("Accuracy"));
  m_accX = makeAxis(tr("step"));
  m_accY = makeAxis(QString());
  m_accChart->addAxis(m_accX, Qt::AlignBottom);
  m_accChart->addAxis(m_accY, Qt::AlignLeft);
  m_accSmooth = makeLine(tr("train (smoothed)"), kLossColor, 2.0);
  m_valAccSeries = makeLine(tr("validation"), kValColor, 2.0);
  attach(m_accChart, m_accSmooth, m_accX, m_accY);
  attach(m_accChart, m_valAccSeries, m_accX, m_accY);

  m_lrChart = makeChart(tr("Learning rate"));
  m_lrX = makeAxis(tr("step"));
  m_lrY = makeAxis(QString());
  m_lrChart->addAxis(m_lrX, Qt::AlignBottom);
  m_lrChart->addAxis(m_lrY, Qt::AlignLeft);
  m_lrSeries = makeLine(tr("lr"), QColor(0x4d, 0x9a, 0x4d), 2.0);
  attach(m_lrChart, m_lrSeries, m_lrX, m_lrY);
  m_lrChart->legend()->hide();

  m_spsChart = makeChart(tr("Throughput (samples/s)"));
  m_spsX = makeAxis(tr("step"));
  m_spsY = makeAxis(QString());
  m_spsChart->addAxis(m_spsX, Qt::AlignBottom);
  m_spsChart->addAxis(m_spsY, Qt::AlignLeft);
  m_spsSeries = makeLine(tr("samples/s"), QColor(0x8a, 0x5c, 0xc4), 1.5);
  attach(m_spsChart, m_spsSeries, m_spsX, m_spsY);
  m_spsChart->legend()->hide();

  for (QLineSeries* s : {m_lossRaw, m_lossSmooth, m_valLossSeries, m_accSmooth, m_valAccSeries,
                         m_lrSeries, m_spsSeries})
    connect(s, &QLineSeries::hovered, this, &TrainingCharts::showReadout);
  connect(m_lossChart, &QChart::plotAreaChanged, this, &TrainingCharts::updateMarkerLabels);
  // A chart that grew or shrank past a tick's worth of room gets its ticks again at the next
  // refresh tick (only then, so label widths changing the plot area cannot loop).
  for (QChart* chart : {m_lossChart, m_accChart, m_lrChart, m_spsChart})
    connect(chart, &QChart::plotAreaChanged, this, [this, chart] {
      if (m_tickRoom.value(chart) != tickRoom(chart)) m_dirty = true;
    });

  // Controls.
  m_smoothSlider = new QSlider(Qt::Horizontal);
  m_smoothSlider->setRange(0, 99);
  m_smoothSlider->setValue(static_cast<int>(m_smoothing * 100));
  m_smoothSlider->setMaximumWidth(160);
  m_smoothSlider->setToolTip(tr("Exponential moving average of the training curves"));
  m_smoothLabel = new QLabel;
  connect(m_smoothSlider, &QSlider::valueChanged, this,
          [this](int v) { setSmoothing(v / 100.0); });
  m_logBox = new QCheckBox(tr("Log scale"));
  connect(m_logBox, &QCheckBox::toggled, this, &TrainingCharts::setLogScale);
  auto* png = new QPushButton(tr("Export PNG…"));
  auto* csv = new QPushButton(tr("Export CSV…"));
  connect(png, &QPushButton::clicked, this, [this] { chooseFile(true); });
  connect(csv, &QPushButton::clicked, this, [this] { chooseFile(false); });
  m_readout = new QLabel(tr("Hover a curve for its values"));
  m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_readout->setMinimumWidth(120);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Smoothing")));
  bar->addWidget(m_smoothSlider);
  bar->addWidget(m_smoothLabel);
  bar->addSpacing(12);
  bar->addWidget(m_logBox);
  bar->addSpacing(12);
  bar->addWidget(m_readout, 1);
  bar->addWidget(png);
  bar->addWidget(csv);

  m_grid = new QGridLayout;
  m_grid->setSpacing(4);
  m_lossView = makeView(m_lossChart);
  m_views = {m_lossView, makeView(m_accChart), makeView(m_lrChart), makeView(m_spsChart)};
  arrange(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addLayout(m_grid, 1);

  m_refreshTimer.setInterval(kRefreshMs);
  connect(&m_refreshTimer, &QTimer::timeout, this, [this] {
    if (m_dirty) refresh();
  });
  m_refreshTimer.start();
  setSmoothing(m_smoothing);
}

TrainingCharts::~TrainingCharts() = default;

QChartView* TrainingCharts::makeView(QChart* chart) {
  auto* view = new QChartView(chart);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumHeight(120);  // two rows fit a 720-pixel screen
  return view;
}

void TrainingCharts::arrange(bool oneRow) {
  // Two by two, loss first: stacked three rows high, the charts were too short for their axis
  // labels, which Qt Charts then elides to "...". In a short dock (a 768-pixel screen) two rows
  // are that short too: then one row, loss widest.
  m_oneRow = oneRow;
  for (QChartView* v : m_views) m_grid->removeWidget(v);
  for (int c = 0; c < 4; ++c) m_grid->setColumnStretch(c, 0);
  for (int i = 0; i < m_views.size(); ++i)
    m_grid->addWidget(m_views[i], oneRow ? 0 : i / 2, oneRow ? i : i % 2);
  if (oneRow) {
    for (int c = 0; c < 4; ++c) m_grid->setColumnStretch(c, c == 0 ? 4 : 2);
  } else {
    m_grid->setColumnStretch(0, 3);
    m_grid->setColumnStretch(1, 2);
  }
}

void TrainingCharts::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  const bool oneRow = height() < 420;
  if (oneRow != m_oneRow) arrange(oneRow);
}

void TrainingCharts::clear() {
  m_steps.clear();
  m_loss.clear();
  m_acc.clear();
  m_lr.clear();
  m_sps.clear();
  m_valLoss.clear();
  m_valAcc.clear();
  m_validationRows.clear();
  for (Marker& m : m_markers) {
    m_lossChart->removeSeries(m.line);
    delete m.line;
    delete m.text;
  }
  m_markers.clear();
  refresh();
}

void TrainingCharts::appendMetrics(const std::vector<StepMetrics>& batch) {
  for (const StepMetrics& m : batch) {
    m_steps.push_back(static_cast<double>(m.step));
    m_loss.push_back(m.loss);
    m_acc.push_back(m.accuracy);
    m_lr.push_back(m.lr);
    m_sps.push_back(m.samplesPerSec);
    if (std::isfinite(m.valLoss)) {
      m_valLoss.append(QPointF(static_cast<double>(m.step), m.valLoss));
      if (std::isfinite(m.valAccuracy))
        m_valAcc.append(QPointF(static_cast<double>(m.step), m.valAccuracy));
      StepMetrics row = m;
      row.nodeGradNorms.clear();
      m_validationRows.push_back(std::move(row));
    }
  }
  if (!batch.empty()) m_dirty = true;
}

void TrainingCharts::addMarker(qint64 step, const QString& label) {
  Marker m{step, label, makeLine(label, kMarkerColor, 1.0), new QGraphicsSimpleTextItem(label)};
  QPen pen = m.line->pen();
  pen.setStyle(Qt::DashLine);
  m.line->setPen(pen);
  attach(m_lossChart, m.line, m_lossX, m_logScale ? static_cast<QAbstractAxis*>(m_lossYLog)
                                                  : m_lossYLinear);
  m_lossChart->legend()->markers(m.line).first()->setVisible(false);
  m.text->setParentItem(m_lossChart);
  m.text->setBrush(kMarkerColor.darker(140));
  QFont f = m.text->font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  m.text->setFont(f);
  m_markers.push_back(m);
  m_dirty = true;
}

void TrainingCharts::setOverlays(const std::vector<ChartOverlay>& overlays) {
  for (Overlay& o : m_overlays) {
    for (QLineSeries* line : {o.lossLine, o.valLine}) {
      m_lossChart->removeSeries(line);
      delete line;
    }
    for (QLineSeries* line : {o.accLine, o.valAccLine}) {
      m_accChart->removeSeries(line);
      delete line;
    }
  }
  m_overlays.clear();
  QAbstractAxis* lossY = m_logScale ? static_cast<QAbstractAxis*>(m_lossYLog) : m_lossYLinear;
  for (const ChartOverlay& in : overlays) {
    const QColor color = kOverlayColors[m_overlays.size() % std::size(kOverlayColors)];
    Overlay o;
    o.name = in.name;
    for (const StepMetrics& m : in.rows) {
      const auto step = static_cast<double>(m.step);
      o.steps.push_back(step);
      o.loss.push_back(m.loss);
      o.acc.push_back(m.accuracy);
      if (std::isfinite(m.valLoss)) o.valLoss.append(QPointF(step, m.valLoss));
      if (std::isfinite(m.valAccuracy)) o.valAcc.append(QPointF(step, m.valAccuracy));
    }
    // One legend entry per run on each chart (the training curve); the dashed validation curve
    // of the same colour needs none.
    o.lossLine = makeLine(in.name, color, 1.6);
    o.valLine = makeLine(in.name + tr(" (validation)"), color, 1.6);
    o.accLine = makeLine(in.name, color, 1.6);
    o.valAccLine = makeLine(in.name + tr(" (validation)"), color, 1.6);
    for (QLineSeries* line : {o.valLine, o.valAccLine}) {
      QPen pen = line->pen();
      pen.setStyle(Qt::DashLine);
      line->setPen(pen);
    }
    attach(m_lossChart, o.lossLine, m_lossX, lossY);
    attach(m_lossChart, o.valLine, m_lossX, lossY);
    attach(m_accChart, o.accLine, m_accX, m_accY);
    attach(m_accChart, o.valAccLine, m_accX, m_accY);
    m_lossChart->legend()->markers(o.valLine).first()->setVisible(false);
    m_accChart->legend()->markers(o.valAccLine).first()->setVisible(false);
    // A regression run has no accuracy: no legend entry for an empty curve.
    bool hasAccuracy = !o.valAcc.isEmpty();
    for (double a : o.acc) hasAccuracy = hasAccuracy || std::isfinite(a);
    if (!hasAccuracy) m_accChart->legend()->markers(o.accLine).first()->setVisible(false);
    for (QLineSeries* line : {o.lossLine, o.valLine, o.accLine, o.valAccLine})
      line->setProperty("strataOverlay", o.name);
    m_overlays.push_back(std::move(o));
  }
  refresh();
}

QColor TrainingCharts::overlayColor(int i) const {
  return kOverlayColors[static_cast<size_t>(std::max(0, i)) % std::size(kOverlayColors)];
}

QList<QLineSeries*> TrainingCharts::overlaySeries(int i) const {
  if (i < 0 || i >= overlayCount()) return {};
  const Overlay& o = m_overlays[static_cast<size_t>(i)];
  return {o.lossLine, o.valLine, o.accLine, o.valAccLine};
}

void TrainingCharts::setSmoothing(double weight) {
  m_smoothing = std::clamp(weight, 0.0, 0.99);
  const QSignalBlocker block(m_smoothSlider);
  m_smoothSlider->setValue(static_cast<int>(std::lround(m_smoothing * 100)));
  m_smoothLabel->setText(QString::number(m_smoothing, 'f', 2));
  m_dirty = true;
}

void TrainingCharts::setLogScale(bool on) {
  if (on == m_logScale) return;
  m_logScale = on;
  const QSignalBlocker block(m_logBox);
  m_logBox->setChecked(on);
  QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(m_lossYLinear) : m_lossYLog;
  QAbstractAxis* to = on ? static_cast<QAbstractAxis*>(m_lossYLog) : m_lossYLinear;
  m_lossChart->addAxis(to, Qt::AlignLeft);
  for (QAbstractSeries* s : m_lossChart->series()) {
    s->detachAxis(from);
    s->attachAxis(to);
  }
  m_lossChart->removeAxis(from);
  from->setParent(this);
  refresh();
}

QPoint TrainingCharts::tickRoom(const QChart* chart) {
  return {ticksThatFit(chart, Qt::Horizontal), ticksThatFit(chart, Qt::Vertical)};
}

int TrainingCharts::plotBuckets(const QChart* chart) const {
  return std::max(64, static_cast<int>(chart->plotArea().width()));
}

void TrainingCharts::refresh() {
  m_dirty = false;
  ++m_refreshes;
  double x0 = m_steps.empty() ? INFINITY : m_steps.front();
  double x1 = m_steps.empty() ? -INFINITY : m_steps.back();
  for (const Overlay& o : m_overlays)
    if (!o.steps.empty()) {
      x0 = std::min(x0, o.steps.front());
      x1 = std::max(x1, o.steps.back());
    }
  if (!std::isfinite(x0)) x0 = 0;
  x1 = std::isfinite(x1) ? std::max(x1, x0 + 1) : 1;

  // Overlaid runs, smoothed like the live one; their points count in the axis ranges.
  QList<QPointF> overlayLoss, overlayAcc;
  for (Overlay& o : m_overlays) {
    std::vector<double> loss = o.loss;
    if (m_logScale)
      for (double& v : loss) v = v > 0 ? v : NAN;
    const QList<QPointF> line =
        decimateMinMax(o.steps, smoothEma(loss, m_smoothing), plotBuckets(m_lossChart));
    o.lossLine->replace(line);
    o.valLine->replace(o.valLoss);
    overlayLoss << line << o.valLoss;
    const QList<QPointF> acc =
        decimateMinMax(o.steps, smoothEma(o.acc, m_smoothing), plotBuckets(m_accChart));
    o.accLine->replace(acc);
    o.valAccLine->replace(o.valAcc);
    overlayAcc << acc << o.valAcc;
  }

  // Loss.
  std::vector<double> loss = m_loss;
  if (m_logScale)
    for (double& v : loss) v = v > 0 ? v : NAN;
  const QList<QPointF> raw = decimateMinMax(m_steps, loss, plotBuckets(m_lossChart));
  const QList<QPointF> smooth =
      decimateMinMax(m_steps, smoothEma(loss, m_smoothing), plotBuckets(m_lossChart));
  m_lossRaw->replace(raw);
  m_lossSmooth->replace(smooth);
  m_valLossSeries->replace(m_valLoss);
  m_valLossDots->replace(m_valLoss);
  auto [lo, hi] = finiteRange(raw + overlayLoss, m_valLoss);
  setStepRange(m_lossChart, m_lossX, x0, x1);
  if (m_logScale) {
    double minPos = INFINITY;
    for (const QList<QPointF>* list : {&raw, static_cast<const QList<QPointF>*>(&m_valLoss),
                                       static_cast<const QList<QPointF>*>(&overlayLoss)})
      for (const QPointF& p : *list)
        if (p.y() > 0) minPos = std::min(minPos, p.y());
    // Whole decades: every tick a labelled power of ten, never a range with no label in it.
    const AxisTicks t = NiceTicks::logDecades(std::isfinite(minPos) ? minPos : 1e-3,
                                              std::isfinite(minPos) ? hi : 1);
    m_lossYLog->setRange(t.min, t.max);
    lo = t.min;
    hi = t.max;
  } else {
    const AxisTicks t = NiceTicks::linear(std::min(0.0, lo), hi,
                                              ticksThatFit(m_lossChart, Qt::Vertical));
    setTicks(m_lossYLinear, t);
    lo = t.min;
    hi = t.max;
  }
  for (Marker& m : m_markers)
    m.line->replace({QPointF(m.step, lo), QPointF(m.step, hi)});

  // Accuracy (only tasks with one report it).
  const QList<QPointF> acc =
      decimateMinMax(m_steps, smoothEma(m_acc, m_smoothing), plotBuckets(m_accChart));
  m_accSmooth->replace(acc);
  m_valAccSeries->replace(m_valAcc);
  setStepRange(m_accChart, m_accX, x0, x1);
  setValueRange(m_accChart, m_accY, 0, 1);
  // Before a run nothing is known about the task: only a run without accuracy says so.
  m_accChart->setTitle(stepCount() > 0 && acc.isEmpty() && m_valAcc.isEmpty() &&
                               overlayAcc.isEmpty()
                           ? tr("Accuracy (this task has none: regression)")
                           : tr("Accuracy"));

  const QList<QPointF> lr = decimateMinMax(m_steps, m_lr, plotBuckets(m_lrChart));
  m_lrSeries->replace(lr);
  setStepRange(m_lrChart, m_lrX, x0, x1);
  auto [lrLo, lrHi] = finiteRange(lr);
  setValueRange(m_lrChart, m_lrY, std::min(0.0, lrLo), lrHi);

  const QList<QPointF> sps =
      decimateMinMax(m_steps, smoothEma(m_sps, 0.9), plotBuckets(m_spsChart));
  m_spsSeries->replace(sps);
  setStepRange(m_spsChart, m_spsX, x0, x1);
  auto [sLo, sHi] = finiteRange(sps);
  setValueRange(m_spsChart, m_spsY, std::min(0.0, sLo), sHi);
  for (QChart* chart : {m_lossChart, m_accChart, m_lrChart, m_spsChart})
    m_tickRoom.insert(chart, tickRoom(chart));
  updateMarkerLabels();
}

void TrainingCharts::refreshNow() { refresh(); }

void TrainingCharts::updateMarkerLabels() {
  const QRectF area = m_lossChart->plotArea();
  int row = 0;
  for (Marker& m : m_markers) {
    const QPointF at = m_lossChart->mapToPosition(QPointF(m.step, 0), m.line);
    m.text->setPos(at.x() + 3, area.top() + 2 + 14 * (row++ % 3));
    m.text->setVisible(area.contains(QPointF(at.x(), area.center().y())));
  }
}

void TrainingCharts::showReadout(const QPointF& point, bool state) {
  if (!state || m_steps.empty()) return;
  const auto it = std::lower_bound(m_steps.begin(), m_steps.end(), point.x() - 0.5);
  const size_t i = std::min<size_t>(it - m_steps.begin(), m_steps.size() - 1);
  const std::vector<double> smooth = smoothEma(m_loss, m_smoothing);
  QString text = tr("step %1  loss %2 (smoothed %3)")
                     .arg(static_cast<qint64>(m_steps[i]))
                     .arg(num(m_loss[i]), num(smooth[i]));
  if (std::isfinite(m_acc[i])) text += tr("  acc %1").arg(num(m_acc[i]));
  text += tr("  lr %1  %2 samples/s").arg(num(m_lr[i])).arg(std::lround(m_sps[i]));
  for (const QPointF& v : m_valLoss)
    if (v.x() == m_steps[i]) text += tr("  val %1").arg(num(v.y()));
  m_readout->setText(text);
}

QString TrainingCharts::readout() const { return m_readout->text(); }

bool TrainingCharts::exportCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
  QTextStream out(&file);
  out << "step,loss,loss_smoothed,val_loss,accuracy,val_accuracy,lr,samples_per_s,marker\n";
  const std::vector<double> smooth = smoothEma(m_loss, m_smoothing);
  size_t v = 0, mk = 0;
  for (size_t i = 0; i < m_steps.size(); ++i) {
    const auto step = static_cast<qint64>(m_steps[i]);
    QString val, valAcc, marker;
    while (v < m_validationRows.size() && m_validationRows[v].step < step) ++v;
    if (v < m_validationRows.size() && m_validationRows[v].step == step) {
      val = num(m_validationRows[v].valLoss);
      valAcc = num(m_validationRows[v].valAccuracy);
    }
    for (mk = 0; mk < m_markers.size(); ++mk)
      if (m_markers[mk].step == step)
        marker += (marker.isEmpty() ? "" : "; ") + m_markers[mk].label;
    out << step << ',' << num(m_loss[i]) << ',' << num(smooth[i]) << ',' << val << ','
        << num(m_acc[i]) << ',' << valAcc << ',' << num(m_lr[i]) << ',' << num(m_sps[i]) << ','
        << (marker.isEmpty() ? QString() : QLatin1Char('"') + marker + QLatin1Char('"')) << '\n';
  }
  return out.status() == QTextStream::Ok;
}

bool TrainingCharts::exportPng(const QString& path) {
  refresh();
  return grab().save(path, "PNG");
}

void TrainingCharts::chooseFile(bool png) {
  const QString path = QFileDialog::getSaveFileName(
      this, png ? tr("Export charts as PNG") : tr("Export metrics as CSV"), QString(),
      png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  if (png)
    exportPng(path);
  else
    exportCsv(path);
}

}  // namespace strata::gui
