#include "window/recentfilesmenu.h"

#include <QFileInfo>
#include <QSettings>

namespace strata::gui {

namespace {
const auto kKey = QStringLiteral("recentFiles");
}

RecentFilesMenu::RecentFilesMenu(const QString& title, QWidget* parent) : QMenu(title, parent) {
  connect(this, &QMenu::aboutToShow, this, &RecentFilesMenu::populate);
  populate();
}

QStringList RecentFilesMenu::files() { return QSettings().value(kKey).toStringList(); }

void RecentFilesMenu::add(const QString& path) {
  const QString abs = QFileInfo(path).absoluteFilePath();
  QStringList list = files();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > kMaxFiles) list.removeLast();
  QSettings().setValue(kKey, list);
}

void RecentFilesMenu::clear() { QSettings().remove(kKey); }

void RecentFilesMenu::populate() {
  QMenu::clear();
  const QStringList list = files();
  for (int i = 0; i < list.size(); ++i) {
    const QString path = list[i];
    QAction* a = addAction(QStringLiteral("&%1  %2").arg(i + 1).arg(QFileInfo(path).fileName()));
    a->setToolTip(path);
    a->setStatusTip(path);
    a->setEnabled(QFileInfo::exists(path));
    connect(a, &QAction::triggered, this, [this, path] { emit fileChosen(path); });
  }
  if (list.isEmpty()) {
    addAction(tr("(none yet)"))->setEnabled(false);
    return;
  }
  addSeparator();
  connect(addAction(tr("&Clear Menu")), &QAction::triggered, this, &RecentFilesMenu::clear);
}

}  // namespace strata::gui
