// File > Open Recent: the last graphs opened or saved, kept in QSettings, newest first; missing
// files stay listed but disabled.
#pragma once

#include <QMenu>

namespace strata::gui {

class RecentFilesMenu final : public QMenu {
  Q_OBJECT

 public:
  static constexpr int kMaxFiles = 8;

  explicit RecentFilesMenu(const QString& title, QWidget* parent = nullptr);

  static QStringList files();
  static void add(const QString& path);  // moves it to the top
  static void clear();

 signals:
  void fileChosen(const QString& path);

 private:
  void populate();
};

}  // namespace strata::gui
