// Crash recovery: while the document has unsaved changes, writes it every interval (30 s by
// default), and one second after each edit once the user pauses (so a crash right after a burst
// of edits loses none of them), to a recovery file under AppLocalData, atomically (write, fsync,
// rename). A clean save or a normal exit removes it, and the next start can offer to restore
// it. No dialogs here: the window decides how to ask.
#pragma once

#include <QObject>
#include <QString>

class QTimer;

namespace strata::gui {

class GraphModel;

class AutosaveManager final : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDefaultIntervalMs = 30'000;
  static constexpr int kSettleMs = 1'000;  // the pause after an edit that triggers a save

  explicit AutosaveManager(GraphModel* model, QObject* parent = nullptr);

  void setInterval(int ms);  // tests use a short one
  int interval() const;
  void setSettleDelay(int ms);

  // <AppLocalData>/recovery/autosave.strata, and the path the unsaved graph came from (if any).
  static QString recoveryPath();
  static bool hasRecovery();
  static QString recoveredFromPath();  // the original file, empty for an untitled graph

  // Writes the recovery file now if the document is dirty; true when one was written.
  bool saveNow();
  void removeRecovery();

 signals:
  void autosaved(const QString& path);

 private:
  void onCleanChanged(bool clean);

  GraphModel* m_model = nullptr;
  QTimer* m_timer = nullptr;
  QTimer* m_settle = nullptr;  // restarted by every edit; fires once the user pauses
};

}  // namespace strata::gui
