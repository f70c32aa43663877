#include "panels/layerdocview.h"

#include "document/nodecontent.h"

namespace strata::gui {

namespace {

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString bound(double v) {
  return std::abs(v) >= 1e300 ? QString() : QString::number(v, 'g', 8);
}

QString typeName(ParamType t) {
  switch (t) {
    case ParamType::Int: return QStringLiteral("int");
    case ParamType::Float: return QStringLiteral("float");
    case ParamType::Bool: return QStringLiteral("bool");
    case ParamType::Choice: return QStringLiteral("choice");
    case ParamType::IntList: return QStringLiteral("int list");
    case ParamType::String: return QStringLiteral("text");
  }
  return {};
}

QString portRows(const std::vector<PortSpec>& ports) {
  QString rows;
  for (const PortSpec& p : ports) {
    QString name = esc(p.name) + (p.variadic ? QStringLiteral("0, 1, \u2026") : QString());
    QStringList notes;
    notes << QString::fromLatin1(valueKindName(p.kind));
    if (p.optional) notes << QStringLiteral("optional");
    if (p.fromData) notes << QStringLiteral("from the data set");
    rows += QStringLiteral("<tr><td><code>%1</code></td><td style='color:gray'>%2</td>"
                           "<td>%3</td></tr>")
                .arg(name, notes.join(QStringLiteral(", ")), esc(p.help));
  }
  return rows;
}

}  // namespace

LayerDocView::LayerDocView(QWidget* parent) : QTextBrowser(parent) {
  setOpenLinks(false);
  setFrameShape(QFrame::NoFrame);
  document()->setDocumentMargin(8);
  showLayer({});
}

void LayerDocView::showLayer(const QString& type) {
  m_type = type;
  const LayerSpec* spec = LayerRegistry::instance().find(type.toStdString());
  if (!spec) {
    setHtml(tr("<p style='color:gray'>Select a layer to read what it computes, its ports and "
               "its parameters.</p>"));
    return;
  }
  setHtml(html(*spec));
}

QString LayerDocView::paramConstraint(const ParamSpec& p) {
  QString text = typeName(p.type);
  if (p.type == ParamType::Choice) {
    QStringList c;
    for (const std::string& s : p.choices) c << QString::fromStdString(s);
    text = QStringLiteral("one of ") + c.join(QStringLiteral(" | "));
  } else if (p.type == ParamType::Int || p.type == ParamType::Float ||
             p.type == ParamType::IntList) {
    const QString lo = bound(p.minValue), hi = bound(p.maxValue);
    if (!lo.isEmpty() && !hi.isEmpty())
      text += QStringLiteral(" in [%1, %2]").arg(lo, hi);
    else if (!lo.isEmpty())
      text += QStringLiteral(" \u2265 %1").arg(lo);
    else if (!hi.isEmpty())
      text += QStringLiteral(" \u2264 %1").arg(hi);
  }
  if (p.inferred)
    text += QStringLiteral(", inferred");
  else if (p.defaultValue.is_null())
    text += QStringLiteral(", required");
  else
    text += QStringLiteral(", default ") + NodeContent::valueText(p.defaultValue);
  return text;
}

QString LayerDocView::html(const LayerSpec& spec) {
  QString h = QStringLiteral("<h3 style='margin-bottom:2px'>%1</h3>"
                             "<p style='color:gray;margin-top:0'>%2 \u00b7 %3</p><p>%4</p>")
                  .arg(esc(spec.type), esc(spec.category), esc(spec.summary), esc(spec.doc));
  const QString table = QStringLiteral("<table cellspacing='0' cellpadding='3' width='100%'>");
  if (!spec.inputs.empty())
    h += QStringLiteral("<h4>Inputs</h4>") + table + portRows(spec.inputs) +
         QStringLiteral("</table>");
  if (!spec.outputs.empty())
    h += QStringLiteral("<h4>Outputs</h4>") + table + portRows(spec.outputs) +
         QStringLiteral("</table>");
  if (!spec.params.empty()) {
    h += QStringLiteral("<h4>Parameters</h4>") + table;
    for (const ParamSpec& p : spec.params)
      h += QStringLiteral("<tr><td valign='top'><code>%1</code></td><td>%2<br>"
                          "<span style='color:gray'>%3</span></td></tr>")
               .arg(esc(p.name), esc(p.help), paramConstraint(p).toHtmlEscaped());
    h += QStringLiteral("</table>");
  }
  return h;
}

}  // namespace strata::gui
