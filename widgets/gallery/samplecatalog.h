// The bundled sample graphs: where they are and what each one is (name and one-line description
// from the file's "meta"), for the gallery and the File > Open Sample menu.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace strata::gui {

struct SampleInfo {
  QString path;
  QString name;         // meta.name, else the file's base name
  QString description;  // meta.description, else a note that the file could not be read
  int nodeCount = 0;
  QStringList layerTypes;  // distinct types in document order
  bool readable = false;
};

class SampleCatalog final {
 public:
  // $STRATA_SAMPLES_DIR when set, else the source tree's samples/ (compile definition), else
  // samples/ next to the executable.
  static QString directory();
  // The *.strata files of `dir`, sorted by file name.
  static QList<SampleInfo> list(const QString& dir);
  // Reads only the meta and the node list; a broken file still gives an entry.
  static SampleInfo read(const QString& path);
};

}  // namespace strata::gui
