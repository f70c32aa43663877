#include "panels/parameditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>

#include "document/nodecontent.h"

namespace strata::gui {

namespace {

// Sizes that follow from the input keep an empty line edit, so "inferred" can show through.
bool useSpinBox(const ParamSpec& s) { return s.type == ParamType::Int && !s.inferred; }

QString listText(const Json& v) {
  if (!v.is_array()) return NodeContent::valueText(v);
  QStringList parts;
  for (const Json& e : v) parts << QString::fromStdString(e.dump());
  return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

QString plainText(const Json& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  if (v.is_array()) return listText(v);
  return QString::fromStdString(v.dump());
}

}  // namespace

ParamEditor::ParamEditor(ParamSpec spec, QWidget* parent)
    : QWidget(parent), m_spec(std::move(spec)), m_message(new QLabel) {
  const QString help = QString::fromStdString(m_spec.help);
  switch (m_spec.type) {
    case ParamType::Bool: {
      auto* box = new QCheckBox;
      connect(box, &QCheckBox::toggled, this, [this] { if (!m_updating) emit edited(); });
      m_editor = box;
      break;
    }
    case ParamType::Choice: {
      auto* combo = new QComboBox;
      for (const std::string& c : m_spec.choices) combo->addItem(QString::fromStdString(c));
      connect(combo, &QComboBox::currentIndexChanged, this,
              [this] { if (!m_updating) emit edited(); });
      m_editor = combo;
      break;
    }
    default:
      if (useSpinBox(m_spec)) {
        auto* spin = new QSpinBox;
        spin->setRange(int(std::max(m_spec.minValue, double(INT_MIN))),
                       int(std::min(m_spec.maxValue, double(INT_MAX))));
        spin->setAccelerated(true);
        connect(spin, &QSpinBox::valueChanged, this, [this] { if (!m_updating) emit edited(); });
        m_editor = spin;
      } else {
        auto* line = new QLineEdit;
        if (m_spec.type == ParamType::IntList) line->setPlaceholderText(QStringLiteral("[64, 8]"));
        connect(line, &QLineEdit::textEdited, this, [this] { emit edited(); });
        m_editor = line;
      }
  }
  m_editor->setToolTip(help);
  m_editor->setObjectName(QStringLiteral("editor"));
  m_message->setWordWrap(true);
  m_message->setStyleSheet(QStringLiteral("color: #d92d20;"));
  m_message->hide();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(m_editor);
  layout->addWidget(m_message);
}

void ParamEditor::setValue(const Json& given, const Json& resolved) {
  m_updating = true;
  const Json& shown = given.is_null() ? resolved : given;
  if (auto* box = qobject_cast<QCheckBox*>(m_editor)) {
    box->setChecked(shown.is_boolean() && shown.get<bool>());
  } else if (auto* combo = qobject_cast<QComboBox*>(m_editor)) {
    combo->setCurrentIndex(combo->findText(plainText(shown)));
  } else if (auto* spin = qobject_cast<QSpinBox*>(m_editor)) {
    if (shown.is_number()) spin->setValue(int(shown.get<double>()));
  } else if (auto* line = qobject_cast<QLineEdit*>(m_editor)) {
    // A value left to the analysis stays empty, with what it resolved to as the placeholder.
    line->setText(plainText(given));
    if (m_spec.inferred)
      line->setPlaceholderText(resolved.is_null()
                                   ? tr("inferred")
                                   : tr("%1 (inferred)").arg(plainText(resolved)));
    else if (!m_spec.defaultValue.is_null())
      line->setPlaceholderText(plainText(m_spec.defaultValue));
  }
  m_updating = false;
}

bool ParamEditor::read(Json* out, QString* error) const {
  if (auto* box = qobject_cast<QCheckBox*>(m_editor)) {
    *out = box->isChecked();
    return true;
  }
  if (auto* combo = qobject_cast<QComboBox*>(m_editor)) {
    *out = combo->currentText().toStdString();
    return true;
  }
  if (auto* spin = qobject_cast<QSpinBox*>(m_editor)) {
    *out = spin->value();
    return true;
  }
  const QString text = static_cast<QLineEdit*>(m_editor)->text().trimmed();
  if (text.isEmpty()) {
    *out = nullptr;  // left out: the default or the inferred value applies
    return true;
  }
  bool ok = false;
  switch (m_spec.type) {
    case ParamType::Int: {
      const qlonglong v = text.toLongLong(&ok);
      if (!ok) return *error = tr("Enter a whole number"), false;
      *out = int64_t(v);
      return true;
    }
    case ParamType::Float: {
      const double v = text.toDouble(&ok);
      if (!ok) return *error = tr("Enter a number, e.g. 0.1 or 1e-5"), false;
      *out = v;
      return true;
    }
    case ParamType::IntList: {
      QString body = text;
      if (body.startsWith(QLatin1Char('['))) body.remove(0, 1);
      if (body.endsWith(QLatin1Char(']'))) body.chop(1);
      Json list = Json::array();
      for (const QString& part : body.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qlonglong v = part.trimmed().toLongLong(&ok);
        if (!ok) return *error = tr("Enter whole numbers like [64, 8]"), false;
        list.push_back(int64_t(v));
      }
      *out = list;
      return true;
    }
    default:
      *out = text.toStdString();
      return true;
  }
}

void ParamEditor::setError(const QString& message) {
  if (message == m_error) return;
  m_error = message;
  m_message->setText(message);
  m_message->setVisible(!message.isEmpty());
  m_editor->setStyleSheet(message.isEmpty()
                              ? QString()
                              : QStringLiteral("#editor { border: 1px solid #d92d20; "
                                               "border-radius: 3px; padding: 2px; }"));
}

void ParamEditor::setText(const QString& text) {
  if (auto* spin = qobject_cast<QSpinBox*>(m_editor)) {
    spin->setValue(text.toInt());
  } else if (auto* combo = qobject_cast<QComboBox*>(m_editor)) {
    combo->setCurrentText(text);
  } else if (auto* box = qobject_cast<QCheckBox*>(m_editor)) {
    box->setChecked(text == QLatin1String("true"));
  } else if (auto* line = qobject_cast<QLineEdit*>(m_editor)) {
    line->setText(text);
    emit edited();
  }
}

}  // namespace strata::gui
