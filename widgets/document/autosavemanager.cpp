#include "document/autosavemanager.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>
#include <QUndoStack>

#include "document/graphmodel.h"

namespace strata::gui {

namespace {
const auto kOriginKey = QStringLiteral("recovery/originalPath");
}

AutosaveManager::AutosaveManager(GraphModel* model, QObject* parent)
    : QObject(parent), m_model(model), m_timer(new QTimer(this)), m_settle(new QTimer(this)) {
  m_timer->setInterval(kDefaultIntervalMs);
  connect(m_timer, &QTimer::timeout, this, &AutosaveManager::saveNow);
  m_settle->setSingleShot(true);
  m_settle->setInterval(kSettleMs);
  connect(m_settle, &QTimer::timeout, this, &AutosaveManager::saveNow);
  // Every edit, undo and redo moves the stack's index: each restarts the settle timer.
  connect(m_model->undoStack(), &QUndoStack::indexChanged, m_settle,
          qOverload<>(&QTimer::start));
  connect(m_model->undoStack(), &QUndoStack::cleanChanged, this,
          &AutosaveManager::onCleanChanged);
}

void AutosaveManager::setInterval(int ms) { m_timer->setInterval(ms); }
int AutosaveManager::interval() const { return m_timer->interval(); }
void AutosaveManager::setSettleDelay(int ms) { m_settle->setInterval(ms); }

QString AutosaveManager::recoveryPath() {
  return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
         QStringLiteral("/recovery/autosave.strata");
}

bool AutosaveManager::hasRecovery() { return QFile::exists(recoveryPath()); }

QString AutosaveManager::recoveredFromPath() { return QSettings().value(kOriginKey).toString(); }

bool AutosaveManager::saveNow() {
  if (m_model->undoStack()->isClean()) return false;
  const QString path = recoveryPath();
  QDir().mkpath(QFileInfo(path).path());
  if (!m_model->document().save(path.toStdString())) return false;
  QSettings().setValue(kOriginKey, m_model->filePath());
  emit autosaved(path);
  return true;
}

void AutosaveManager::removeRecovery() {
  QFile::remove(recoveryPath());
  QSettings().remove(kOriginKey);
}

void AutosaveManager::onCleanChanged(bool clean) {
  if (clean) {
    m_timer->stop();
    m_settle->stop();
    removeRecovery();
  } else if (!m_timer->isActive()) {
    m_timer->start();
  }
}

}  // namespace strata::gui
