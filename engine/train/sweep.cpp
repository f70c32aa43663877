#include "train/sweep.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "graph/analysis.h"
#include "train/run_diff.h"
#include "train/train_settings.h"

namespace strata {

namespace {

Json parseValue(const std::string& text) {
  Json v = Json::parse(text, nullptr, false);
  if (!v.is_discarded() && (v.is_number() || v.is_boolean())) return v;
  return Json(text);
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

}  // namespace

Result<SweepAxis> parseSweepAxis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos)
    return Result<SweepAxis>::error("--set " + text +
                                    ": expected NAME=V1,V2,... (a setting or node.param)");
  SweepAxis axis;
  axis.key = trim(text.substr(0, eq));
  if (axis.key.empty())
    return Result<SweepAxis>::error("--set " + text + ": the name before '=' is empty");
  if (!axis.isNodeParam()) std::replace(axis.key.begin(), axis.key.end(), '-', '_');
  std::stringstream ss(text.substr(eq + 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty())
      return Result<SweepAxis>::error("--set " + text + ": an empty value in the list");
    axis.values.push_back(parseValue(item));
  }
  if (axis.values.empty())
    return Result<SweepAxis>::error("--set " + text + ": no values after '='");
  return axis;
}

Status checkSweepAxes(const std::vector<SweepAxis>& axes, const GraphDocument& graph) {
  const Json settingKeys = TrainSettings().toJson();
  std::set<std::string> seen;
  for (const SweepAxis& a : axes) {
    const std::string where = "--set " + a.key + ": ";
    if (!seen.insert(a.key).second) return Status::error(where + "named twice");
    if (a.isNodeParam()) {
      const size_t dot = a.key.rfind('.');
      const std::string node = a.key.substr(0, dot), param = a.key.substr(dot + 1);
      if (param.empty()) return Status::error(where + "no param name after the node id");
      if (!graph.node(node)) return Status::error(where + "no node '" + node + "' in the graph");
    } else if (!settingKeys.contains(a.key)) {
      std::string known;
      for (auto it = settingKeys.begin(); it != settingKeys.end(); ++it)
        known += (known.empty() ? "" : ", ") + it.key();
      return Status::error(where + "not a training setting (settings: " + known +
                           "; a node param is written node.param)");
    }
  }
  return Status::ok();
}

std::vector<Json> sweepGrid(const std::vector<SweepAxis>& axes) {
  std::vector<Json> points{Json::object()};
  for (const SweepAxis& a : axes) {
    std::vector<Json> next;
    for (const Json& p : points)
      for (const Json& v : a.values) {
        Json q = p;
        q[a.key] = v;
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  if (axes.empty()) return {};
  return points;
}

Status applySweepPoint(const Json& point, GraphDocument& graph, Json& trainingOverrides) {
  if (!trainingOverrides.is_object()) trainingOverrides = Json::object();
  for (auto it = point.begin(); it != point.end(); ++it) {
    const std::string& key = it.key();
    const size_t dot = key.rfind('.');
    if (dot == std::string::npos) {
      trainingOverrides[key] = it.value();
      continue;
    }
    GraphNode* node = graph.node(key.substr(0, dot));
    if (!node) return Status::error(key + ": no node '" + key.substr(0, dot) + "' in the graph");
    node->params[key.substr(dot + 1)] = it.value();
  }
  return Status::ok();
}

Status checkSweepPoint(const Json& point, const GraphDocument& graph) {
  GraphDocument g = graph;
  Json overrides = Json::object();
  Status s = applySweepPoint(point, g, overrides);
  if (s) {
    auto settings = TrainSettings::merged(g.training, overrides);
    if (!settings) s = settings.status();
  }
  if (s) {
    const GraphAnalysis analysis = analyze(g);
    if (!analysis.ok()) {
      const NodeDiagnostic& d = analysis.diagnostics.front();
      s = Status::error((d.nodeId.empty() ? "" : "node " + d.nodeId + ": ") + d.message);
    }
  }
  if (!s) return Status::error("sweep point " + sweepPointLabel(point) + ": " + s.message());
  return s;
}

std::string sweepPointLabel(const Json& point) {
  std::string out;
  for (auto it = point.begin(); it != point.end(); ++it)
    out += (out.empty() ? "" : " ") + it.key() + "=" + formatDiffValue(it.value());
  return out;
}

}  // namespace strata
