#include "gallery/samplecatalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace strata::gui {

QString SampleCatalog::directory() {
  const QString env = qEnvironmentVariable("STRATA_SAMPLES_DIR");
  if (!env.isEmpty()) return env;
#ifdef STRATA_SAMPLES_DIR
  const QString source = QStringLiteral(STRATA_SAMPLES_DIR);
  if (QFileInfo(source).isDir()) return source;
#endif
  return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("samples"));
}

QList<SampleInfo> SampleCatalog::list(const QString& dir) {
  QList<SampleInfo> samples;
  const QFileInfoList files =
      QDir(dir).entryInfoList({QStringLiteral("*.strata")}, QDir::Files, QDir::Name);
  for (const QFileInfo& f : files) samples << read(f.absoluteFilePath());
  return samples;
}

SampleInfo SampleCatalog::read(const QString& path) {
  SampleInfo info;
  info.path = path;
  info.name = QFileInfo(path).completeBaseName();
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    info.description = QCoreApplication::translate("strata::gui::SampleCatalog",
                                                   "The file cannot be opened.");
    return info;
  }
  const nlohmann::json j = nlohmann::json::parse(file.readAll().toStdString(), nullptr,
                                                 /*allow_exceptions=*/false);
  if (!j.is_object()) {
    info.description = QCoreApplication::translate("strata::gui::SampleCatalog",
                                                   "The file is not valid JSON.");
    return info;
  }
  info.readable = true;
  if (auto meta = j.find("meta"); meta != j.end() && meta->is_object()) {
    if (auto n = meta->find("name"); n != meta->end() && n->is_string() &&
                                     !n->get<std::string>().empty())
      info.name = QString::fromStdString(n->get<std::string>());
    if (auto d = meta->find("description"); d != meta->end() && d->is_string())
      info.description = QString::fromStdString(d->get<std::string>());
  }
  if (auto nodes = j.find("nodes"); nodes != j.end() && nodes->is_array()) {
    info.nodeCount = int(nodes->size());
    for (const auto& n : *nodes) {
      if (!n.is_object() || !n.contains("type") || !n["type"].is_string()) continue;
      const QString type = QString::fromStdString(n["type"].get<std::string>());
      if (!info.layerTypes.contains(type)) info.layerTypes << type;
    }
  }
  return info;
}

}  // namespace strata::gui
