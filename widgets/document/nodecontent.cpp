#include "document/nodecontent.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace strata::gui {

namespace {

QString typeText(const TensorType& t) {
  return QString::fromStdString(shapeToString(t.shape)) + QLatin1Char(' ') +
         QLatin1String(t.kind == ValueKind::Int64 ? "int64" : "float32");
}

// "in3" -> 3 when `port` is `base` followed by digits only, else -1.
int variadicIndex(const std::string& port, const std::string& base) {
  if (port.size() <= base.size() || port.compare(0, base.size(), base) != 0) return -1;
  const std::string digits = port.substr(base.size());
  if (!std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
    return -1;
  return std::stoi(digits);
}

}  // namespace

QString NodeContent::valueText(const Json& value) {
  if (value.is_string()) return QString::fromStdString(value.get<std::string>());
  if (value.is_array()) {
    QStringList parts;
    for (const Json& v : value) parts << valueText(v);
    return QLatin1Char('[') + parts.join(QLatin1String(", ")) + QLatin1Char(']');
  }
  return QString::fromStdString(value.dump());
}

NodeContent NodeContent::describe(const GraphDocument& doc, const GraphAnalysis& analysis,
                                  const std::string& id) {
  NodeContent c;
  c.id = id;
  const GraphNode* node = doc.node(id);
  if (!node) return c;
  c.type = QString::fromStdString(node->type);

  const NodeAnalysis* a = analysis.find(id);  // a Repeat block's template shows copy 0
  const LayerSpec* spec = a && a->spec ? a->spec : LayerRegistry::instance().find(node->type);
  if (a) {
    c.parameterCount = a->parameterCount;
    c.flops = a->flops;
    c.error = QString::fromStdString(a->error);
  }

  const std::vector<const GraphEdge*> in = doc.edgesInto(id);
  const std::vector<const GraphEdge*> out = doc.edgesFrom(id);
  auto inputEdge = [&](const std::string& port) -> const GraphEdge* {
    for (const GraphEdge* e : in)
      if (e->to.port == port) return e;
    return nullptr;
  };
  auto addInput = [&](const std::string& name, ValueKind kind, bool optional) {
    Port p{name, kind, optional, false, {}};
    if (const GraphEdge* e = inputEdge(name)) {
      p.connected = true;
      if (auto t = analysis.edgeType(*e)) {
        p.type = typeText(*t);
        if (p.kind == ValueKind::Any) p.kind = t->kind;  // colour by what actually arrives
      }
    }
    c.inputs.push_back(std::move(p));
  };

  if (spec) {
    c.category = spec->category;
    c.summary = QString::fromStdString(spec->summary);
    for (const PortSpec& ps : spec->inputs) {
      if (!ps.variadic) {
        addInput(ps.name, ps.kind, ps.optional);
        continue;
      }
      int last = 1;  // a variadic port shows at least name0 and name1
      for (const GraphEdge* e : in) last = std::max(last, variadicIndex(e->to.port, ps.name));
      for (int i = 0; i <= last; ++i) addInput(ps.name + std::to_string(i), ps.kind, ps.optional);
    }
    for (size_t i = 0; i < spec->outputs.size(); ++i) {
      const PortSpec& ps = spec->outputs[i];
      Port p{ps.name, ps.kind, ps.optional, false, {}};
      p.connected = std::any_of(out.begin(), out.end(),
                                [&](const GraphEdge* e) { return e->from.port == ps.name; });
      if (a && i < a->outputs.size()) {
        p.type = typeText(a->outputs[i]);
        if (p.kind == ValueKind::Any) p.kind = a->outputs[i].kind;
      }
      c.outputs.push_back(std::move(p));
    }
  }
  // Edges on ports the spec does not know (an unknown type, a typo in the file) still need an
  // anchor, so such ports are listed too.
  for (const GraphEdge* e : in) {
    if (std::none_of(c.inputs.begin(), c.inputs.end(),
                     [&](const Port& p) { return p.name == e->to.port; }))
      addInput(e->to.port, ValueKind::Any, false);
  }
  std::set<std::string> seen;
  for (const GraphEdge* e : out) {
    const bool listed = std::any_of(c.outputs.begin(), c.outputs.end(),
                                    [&](const Port& p) { return p.name == e->from.port; });
    if (listed || !seen.insert(e->from.port).second) continue;
    Port p{e->from.port, ValueKind::Any, false, true, {}};
    if (auto t = analysis.edgeType(*e)) p.type = typeText(*t);
    c.outputs.push_back(std::move(p));
  }

  // Key params: those the file sets, plus required and inferred ones, in the spec's order.
  std::vector<Param> params;
  const Json& given = node->params.is_object() ? node->params : Json::object();
  const Json& resolved = a && a->params.is_object() ? a->params : Json::object();
  if (spec) {
    for (const ParamSpec& ps : spec->params) {
      const bool set = given.contains(ps.name);
      const bool key = set || ps.inferred || ps.defaultValue.is_null();
      if (!key) continue;
      if (set) {
        params.push_back({QString::fromStdString(ps.name), valueText(given.at(ps.name)), false});
      } else if (resolved.contains(ps.name) && !resolved.at(ps.name).is_null()) {
        params.push_back({QString::fromStdString(ps.name), valueText(resolved.at(ps.name)), true});
      }
    }
  }
  for (auto it = given.begin(); it != given.end(); ++it) {
    if (spec && spec->param(it.key())) continue;  // listed above
    params.push_back({QString::fromStdString(it.key()), valueText(it.value()), false});
  }
  if (int(params.size()) > kMaxParams) {
    c.moreParams = int(params.size()) - kMaxParams;
    params.resize(kMaxParams);
  }
  c.params = std::move(params);
  return c;
}

}  // namespace strata::gui
