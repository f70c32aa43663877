#include "train/run_diff.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

namespace strata {

std::string formatDiffValue(const Json& v) {
  if (v.is_null()) return "unset";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", d);
      return buf;
    }
    char buf[48];
    // Small rates read best as 3e-3; keep every digit the value has (%.9g round-trips floats).
    if (std::fabs(d) != 0 && (std::fabs(d) < 1e-2 || std::fabs(d) >= 1e6)) {
      std::snprintf(buf, sizeof buf, "%.9e", d);
      std::string s = buf;
      const size_t e = s.find('e');
      std::string mant = s.substr(0, e), exp = s.substr(e + 1);
      if (mant.find('.') != std::string::npos) {
        while (mant.back() == '0') mant.pop_back();
        if (mant.back() == '.') mant.pop_back();
      }
      const bool neg = exp[0] == '-';
      size_t digits = 1;
      while (digits < exp.size() && exp[digits] == '0') ++digits;
      return mant + "e" + (neg ? "-" : "") + exp.substr(std::min(digits, exp.size() - 1));
    }
    std::snprintf(buf, sizeof buf, "%.9g", d);
    return buf;
  }
  return v.dump();
}

std::string runDiff(const GraphDocument& before, const Json& beforeSettings,
                    const GraphDocument& after, const Json& afterSettings) {
  std::vector<std::string> parts;
  auto change = [&](const std::string& what, const Json& a, const Json& b) {
    parts.push_back(what + " " + formatDiffValue(a) + "→" + formatDiffValue(b));
  };
  auto same = [](const Json& a, const Json& b) {
    // 0.001 and 1e-3 are the same setting whether the file held an int or a float.
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
  };
  for (const GraphNode& n : after.nodes) {
    const GraphNode* old = before.node(n.id);
    if (!old) {
      parts.push_back("+" + n.id + " (" + n.type + ")");
      continue;
    }
    if (old->type != n.type) {
      parts.push_back(n.id + " " + old->type + "→" + n.type);
      continue;
    }
    std::set<std::string> keys;
    for (auto it = n.params.begin(); it != n.params.end(); ++it) keys.insert(it.key());
    for (auto it = old->params.begin(); it != old->params.end(); ++it) keys.insert(it.key());
    for (const std::string& k : keys) {
      const Json a = old->params.value(k, Json(nullptr));
      const Json b = n.params.value(k, Json(nullptr));
      if (!same(a, b)) change(n.id + "." + k, a, b);
    }
  }
  for (const GraphNode& n : before.nodes)
    if (!after.node(n.id)) parts.push_back("−" + n.id);
  {
    std::set<std::string> a, b;
    for (const GraphEdge& e : before.edges) a.insert(e.from.toString() + ">" + e.to.toString());
    for (const GraphEdge& e : after.edges) b.insert(e.from.toString() + ">" + e.to.toString());
    if (a != b) parts.push_back("rewired");
  }
  if (before.blocks != after.blocks) parts.push_back("blocks changed");
  std::set<std::string> keys;
  if (beforeSettings.is_object())
    for (auto it = beforeSettings.begin(); it != beforeSettings.end(); ++it) keys.insert(it.key());
  if (afterSettings.is_object())
    for (auto it = afterSettings.begin(); it != afterSettings.end(); ++it) keys.insert(it.key());
  for (const std::string& k : keys) {
    const Json a = beforeSettings.is_object() ? beforeSettings.value(k, Json(nullptr)) : Json();
    const Json b = afterSettings.is_object() ? afterSettings.value(k, Json(nullptr)) : Json();
    if (!same(a, b)) change(k, a, b);
  }
  if (parts.empty()) return "no change";
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace strata
