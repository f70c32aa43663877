// One row of the inspector: a typed editor generated from a ParamSpec (spin box for Int, line
// edit for Float / IntList / String and for inferred sizes, check box for Bool, combo box for
// Choice), and the validation message under it.
#pragma once

#include <QWidget>

#include "nn/layer_spec.h"

class QLabel;

namespace strata::gui {

class ParamEditor final : public QWidget {
  Q_OBJECT

 public:
  explicit ParamEditor(ParamSpec spec, QWidget* parent = nullptr);

  const ParamSpec& spec() const { return m_spec; }
  // `given`: the value in the file (null when left out); `resolved`: after defaults and
  // inference (shown as the placeholder of an empty inferred field).
  void setValue(const Json& given, const Json& resolved);
  // What the editor holds now: true with `out` set (null: leave the key out of the file), or
  // false with the reason in `error` when the text does not parse.
  bool read(Json* out, QString* error) const;
  void setError(const QString& message);  // red border and message; empty clears
  QString error() const { return m_error; }
  QWidget* editor() const { return m_editor; }

  // For tests and keyboard users: types `text` as if entered (spin boxes, line edits, combos).
  void setText(const QString& text);

 signals:
  void edited();

 private:
  ParamSpec m_spec;
  QWidget* m_editor = nullptr;
  QLabel* m_message = nullptr;
  QString m_error;
  bool m_updating = false;
};

}  // namespace strata::gui
