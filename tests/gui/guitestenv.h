// Shared set-up for the GUI test suites: a private XDG_RUNTIME_DIR (Qt warns without one), private
// settings and app data (QSettings, recent files, autosave: never the user's own), and where the
// samples, the test graphs and the build tree are.
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QString>
#include <QStringList>

#include <cstdlib>
#include <sys/stat.h>

namespace strata::gui::test {

inline void setUpEnvironment() {
  QByteArray dir = QDir::tempPath().toLocal8Bit() + "/strata-gui-test-XXXXXX";
  if (mkdtemp(dir.data())) {
    chmod(dir.constData(), 0700);
    qputenv("XDG_RUNTIME_DIR", dir);
    // QSettings (native format: $XDG_CONFIG_HOME/<org>/<app>.conf) and AppLocalData follow these.
    QDir(QString::fromLocal8Bit(dir)).mkpath(QStringLiteral("config"));
    QDir(QString::fromLocal8Bit(dir)).mkpath(QStringLiteral("data"));
    qputenv("XDG_CONFIG_HOME", dir + "/config");
    qputenv("XDG_DATA_HOME", dir + "/data");
    // Run records of the samples trained here (never beside the samples in the source tree).
    qputenv("STRATA_RUNS_DIR", dir + "/runs");
  }
  QCoreApplication::setOrganizationName(QStringLiteral("StrataTest"));
  QCoreApplication::setApplicationName(QStringLiteral("strata-gui-test"));
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
}

inline QString sourceDir() {
  const QString env = qEnvironmentVariable("STRATA_SOURCE_DIR");
  return env.isEmpty() ? QStringLiteral(".") : env;
}

inline QString binaryDir() {
  const QString env = qEnvironmentVariable("STRATA_BINARY_DIR");
  return env.isEmpty() ? QDir::currentPath() : env;
}

inline QString samplesDir() { return sourceDir() + QStringLiteral("/samples"); }
inline QString dataDir() { return sourceDir() + QStringLiteral("/tests/gui/data"); }
inline QString dataFile(const QString& name) { return dataDir() + QLatin1Char('/') + name; }

// Every graph the canvas must open cleanly: the bundled samples plus the valid test graphs.
inline QStringList validGraphs() {
  QStringList files;
  for (const QFileInfo& f :
       QDir(samplesDir()).entryInfoList({QStringLiteral("*.strata")}, QDir::Files, QDir::Name))
    files << f.absoluteFilePath();
  files << dataFile(QStringLiteral("token-lstm.strata"))
        << dataFile(QStringLiteral("tiny-transformer.strata"));
  return files;
}

}  // namespace strata::gui::test
