#include "training/sweeprunner.h"

#include <QDateTime>

#include "document/graphmodel.h"
#include "training/trainingcontroller.h"

namespace strata::gui {

SweepRunner::SweepRunner(TrainingController* controller, QObject* parent)
    : QObject(parent), m_controller(controller) {
  connect(m_controller, &TrainingController::finished, this,
          [this](int outcome, const QString&) { onRunFinished(outcome); });
}

QString SweepRunner::stateName(PointState s) {
  switch (s) {
    case PointState::Pending: return tr("pending");
    case PointState::Running: return tr("running");
    case PointState::Done: return tr("done");
    case PointState::Failed: return tr("failed");
    case PointState::Cancelled: return tr("cancelled");
  }
  return {};
}

bool SweepRunner::fail(const QString& message) {
  m_error = message;
  emit errorOccurred(message);
  return false;
}

bool SweepRunner::start(const QStringList& axes) {
  std::vector<SweepAxis> parsed;
  for (const QString& text : axes) {
    if (text.trimmed().isEmpty()) continue;
    auto axis = parseSweepAxis(text.trimmed().toStdString());
    if (!axis) return fail(QString::fromStdString(axis.message()));
    parsed.push_back(std::move(axis).value());
  }
  return start(parsed);
}

bool SweepRunner::start(const std::vector<SweepAxis>& axes) {
  if (m_running || m_controller->isTraining())
    return fail(tr("Sweep: a run is in progress; stop it first"));
  if (axes.empty()) return fail(tr("Sweep: give at least one setting or node param with values"));
  const GraphDocument doc = m_controller->model()->document();
  if (Status s = checkSweepAxes(axes, doc); !s)
    return fail(tr("Sweep: %1").arg(QString::fromStdString(s.message())));
  std::vector<Point> queue;
  for (const Json& values : sweepGrid(axes)) {
    const QString label = QString::fromStdString(sweepPointLabel(values));
    if (Status s = checkSweepPoint(values, doc); !s)
      return fail(QString::fromStdString(s.message()));
    queue.push_back({values, label, PointState::Pending, {}});
  }
  m_queue = std::move(queue);
  m_id = QStringLiteral("sweep-") +
         QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  m_current = -1;
  m_cancelled = false;
  m_running = true;
  m_error.clear();
  emit queueChanged();
  startNext();
  return m_running || m_error.isEmpty();
}

void SweepRunner::cancel() {
  if (!m_running) return;
  m_cancelled = true;
  for (Point& p : m_queue)
    if (p.state == PointState::Pending) p.state = PointState::Cancelled;
  emit queueChanged();
}

void SweepRunner::startNext() {
  ++m_current;
  if (m_cancelled || m_current >= static_cast<int>(m_queue.size())) {
    m_running = false;
    int done = 0;
    for (const Point& p : m_queue) done += p.state == PointState::Done;
    emit queueChanged();
    emit sweepFinished(done, m_cancelled);
    return;
  }
  Point& p = m_queue[static_cast<size_t>(m_current)];
  p.state = PointState::Running;
  emit queueChanged();
  if (!m_controller->startSweepPoint(p.values, m_id)) {
    // The controller said why (errorOccurred); the rest of the grid would fail the same way.
    p.state = PointState::Failed;
    for (Point& q : m_queue)
      if (q.state == PointState::Pending) q.state = PointState::Cancelled;
    m_running = false;
    fail(tr("Sweep point %1 did not start: %2").arg(p.label, m_controller->lastMessage()));
    emit queueChanged();
    emit sweepFinished(m_current, true);
  }
}

void SweepRunner::onRunFinished(int outcome) {
  if (!m_running || m_current < 0 || m_current >= static_cast<int>(m_queue.size())) return;
  Point& p = m_queue[static_cast<size_t>(m_current)];
  if (p.state != PointState::Running) return;
  p.state = outcome == 2 ? PointState::Failed : PointState::Done;
  p.record = m_controller->currentRecord();
  // A diverged point still leaves its record and does not end the sweep: the others may train.
  // Queued: the other listeners of this finished() see the run end before the next starts.
  QMetaObject::invokeMethod(this, &SweepRunner::startNext, Qt::QueuedConnection);
}

}  // namespace strata::gui
