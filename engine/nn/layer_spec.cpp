// LayerSpec lookups and parameter normalisation (defaults, types, ranges, choices).
#include "nn/layer_spec.h"

#include <cmath>
#include <sstream>

namespace strata {

const char* valueKindName(ValueKind k) {
  switch (k) {
    case ValueKind::Float: return "float32";
    case ValueKind::Int64: return "int64";
    case ValueKind::Any: return "any";
  }
  return "?";
}

const ParamSpec* LayerSpec::param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {

// "in3" matches the variadic port "in": the rest is a decimal index without leading zeros.
bool matchesVariadic(const std::string& base, const std::string& name) {
  if (name.size() <= base.size() || name.compare(0, base.size(), base) != 0) return false;
  std::string rest = name.substr(base.size());
  if (rest.size() > 1 && rest[0] == '0') return false;
  for (char c : rest)
    if (c < '0' || c > '9') return false;
  return rest.size() <= 6;
}

std::string formatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<int64_t>(v));
  std::ostringstream os;
  os << v;
  return os.str();
}

bool hasMin(const ParamSpec& p) { return p.minValue > -1e299; }
bool hasMax(const ParamSpec& p) { return p.maxValue < 1e299; }

// " >= 1", " in [0, 1]", " <= 8" or "" — the range part of a message.
std::string rangeText(const ParamSpec& p) {
  if (hasMin(p) && hasMax(p))
    return " in [" + formatNumber(p.minValue) + ", " + formatNumber(p.maxValue) + "]";
  if (hasMin(p)) return " >= " + formatNumber(p.minValue);
  if (hasMax(p)) return " <= " + formatNumber(p.maxValue);
  return "";
}

std::string shown(const Json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

bool inRange(const ParamSpec& p, double v) { return v >= p.minValue && v <= p.maxValue; }

// An integer value, accepting integral floats (64.0) as editors may produce them.
std::optional<int64_t> asInteger(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

// Integer params that cannot be negative are sizes and counts. Without a maximum of their own
// they are capped at kMaxSizeParam, so later size and FLOP arithmetic (int64) cannot overflow and
// a typo like 1e12 is refused here rather than by an allocation.
constexpr int64_t kMaxSizeParam = int64_t{1} << 31;

bool pastSizeCap(const ParamSpec& p, int64_t v) {
  return p.minValue >= 0 && !hasMax(p) && v > kMaxSizeParam;
}

std::string capText(const ParamSpec& p, const Json& v) {
  return "param '" + p.name + "' must be at most " + std::to_string(kMaxSizeParam) + ", got " +
         shown(v);
}

Result<Json> checkValue(const ParamSpec& p, const Json& v) {
  const std::string head = "param '" + p.name + "' must be ";
  switch (p.type) {
    case ParamType::Int: {
      auto i = asInteger(v);
      if (!i || !inRange(p, static_cast<double>(*i)))
        return Result<Json>::error(head + "an integer" + rangeText(p) + ", got " + shown(v));
      if (pastSizeCap(p, *i)) return Result<Json>::error(capText(p, v));
      return Json(*i);
    }
    case ParamType::Float: {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || !inRange(p, v.get<double>()))
        return Result<Json>::error(head + "a number" + rangeText(p) + ", got " + shown(v));
      return Json(v.get<double>());
    }
    case ParamType::Bool:
      if (!v.is_boolean()) return Result<Json>::error(head + "true or false, got " + shown(v));
      return v;
    case ParamType::Choice: {
      std::string list;
      for (const auto& c : p.choices) list += (list.empty() ? "" : ", ") + c;
      if (!v.is_string())
        return Result<Json>::error(head + "one of " + list + ", got " + shown(v));
      for (const auto& c : p.choices)
        if (c == v.get<std::string>()) return v;
      return Result<Json>::error(head + "one of " + list + ", got " + shown(v));
    }
    case ParamType::IntList: {
      if (!v.is_array())
        return Result<Json>::error(head + "a list of integers" + rangeText(p) + ", got " +
                                   shown(v));
      Json out = Json::array();
      for (const auto& e : v) {
        auto i = asInteger(e);
        if (!i || !inRange(p, static_cast<double>(*i)))
          return Result<Json>::error(head + "a list of integers" + rangeText(p) + ", got " +
                                     shown(v));
        if (pastSizeCap(p, *i)) return Result<Json>::error(capText(p, e));
        out.push_back(*i);
      }
      return out;
    }
    case ParamType::String:
      if (!v.is_string()) return Result<Json>::error(head + "a string, got " + shown(v));
      return v;
  }
  return Result<Json>::error("param '" + p.name + "' has an unknown type");
}

}  // namespace

const PortSpec* LayerSpec::inputPort(const std::string& name) const {
  for (const auto& p : inputs)
    if (p.variadic ? matchesVariadic(p.name, name) : p.name == name) return &p;
  return nullptr;
}

const PortSpec* LayerSpec::outputPort(const std::string& name) const {
  for (const auto& p : outputs)
    if (p.name == name) return &p;
  return nullptr;
}

Result<Json> normalizeParams(const LayerSpec& spec, const Json& params) {
  if (!params.is_null() && !params.is_object())
    return Result<Json>::error("params must be an object, got " + shown(params));
  Json given = params.is_null() ? Json::object() : params;
  for (const auto& [key, value] : given.items()) {
    if (spec.param(key)) continue;
    std::string known;
    for (const auto& p : spec.params) known += (known.empty() ? "" : ", ") + p.name;
    return Result<Json>::error("unknown param '" + key + "' (" + spec.type + " takes " +
                               (known.empty() ? std::string("no params") : known) + ")");
  }
  Json out = Json::object();
  for (const auto& p : spec.params) {
    auto it = given.find(p.name);
    bool present = it != given.end() && !it->is_null();
    if (!present) {
      if (!p.defaultValue.is_null()) {
        out[p.name] = p.defaultValue;
      } else if (!p.inferred) {
        return Result<Json>::error("missing required param '" + p.name + "'");
      }
      continue;
    }
    auto checked = checkValue(p, *it);
    if (!checked) return checked.status();
    out[p.name] = std::move(*checked);
  }
  return out;
}

}  // namespace strata
