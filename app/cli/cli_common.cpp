// Helpers shared by the strata-cli verbs.
#include "cli_common.h"

#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <cstdio>

#include "backends/backend.h"
#include "graph/analysis.h"
#include "io/npy.h"
#include "io/safetensors.h"

namespace strata::cli {

namespace {

CLI::Validator numberCheck(const char* name, const char* what, bool (*ok)(double)) {
  return CLI::Validator(
      [what, ok](std::string& in) -> std::string {
        char* end = nullptr;
        double v = std::strtod(in.c_str(), &end);
        if (in.empty() || end != in.c_str() + in.size() || !std::isfinite(v) || !ok(v))
          return std::string("must be ") + what + ", got '" + in + "'";
        return "";
      },
      name, name);
}

}  // namespace

CLI::Validator positiveNumber() {
  return numberCheck("POSITIVE", "a positive number", [](double v) { return v > 0; });
}
CLI::Validator nonNegativeNumber() {
  return numberCheck("NON-NEGATIVE", "a number >= 0", [](double v) { return v >= 0; });
}
CLI::Validator fraction() {
  return numberCheck("FRACTION", "a number in [0, 1)", [](double v) { return v >= 0 && v < 1; });
}

GraphDocument loadGraph(const std::string& path) {
  auto doc = GraphDocument::load(path);
  if (!doc) throw UsageError(doc.message());
  return std::move(doc).value();
}

std::string diagnosticLines(const GraphAnalysis& analysis, const std::string& path) {
  std::string out;
  for (const NodeDiagnostic& d : analysis.diagnostics) {
    if (!out.empty()) out += "\n";
    out += path + ": " + (d.nodeId.empty() ? "" : "node " + d.nodeId + ": ") + d.message;
  }
  return out;
}

std::unique_ptr<Model> compileGraph(const GraphDocument& doc, const std::string& path) {
  GraphAnalysis analysis = analyze(doc);
  if (!analysis.ok()) throw UsageError(diagnosticLines(analysis, path));
  auto model = Model::compile(doc);
  if (!model) throw UsageError(path + ": " + model.message());
  return std::move(model).value();
}

void loadWeights(Model& model, const std::string& path) {
  auto file = loadSafetensors(path);
  if (!file) throw UsageError(file.message());
  std::vector<NamedTensor> params = model.parameters();
  Status s = assignTensors(file->tensors, params);
  if (!s) throw UsageError(path + ": " + s.message());
}

Tensor loadArray(const std::string& path) {
  auto t = loadNpy(path);
  if (!t) throw UsageError(t.message());
  return std::move(t).value();
}

std::string resolveDataSpec(const std::string& spec, const std::string& graphPath) {
  namespace fs = std::filesystem;
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return spec;
  std::string kind = spec.substr(0, colon);
  if (kind != "text" && kind != "csv" && kind != "npy") return spec;
  fs::path base = fs::path(graphPath).parent_path();
  auto resolve = [&](const std::string& file) {
    fs::path p(file);
    std::error_code ec;
    if (p.empty() || p.is_absolute() || base.empty()) return file;
    fs::path candidate = base / p;
    return fs::exists(candidate, ec) ? candidate.string() : file;
  };
  std::string rest = spec.substr(colon + 1);
  if (kind != "npy") return kind + ":" + resolve(rest);
  size_t comma = rest.find(',');
  if (comma == std::string::npos) return kind + ":" + resolve(rest);
  return kind + ":" + resolve(rest.substr(0, comma)) + "," + resolve(rest.substr(comma + 1));
}

Device requireDevice(const std::string& device) {
  auto parsed = Device::parse(device);
  if (!parsed) throw UsageError("unknown device '" + device + "' (expected cpu, cuda or cuda:N)");
  if (std::string why = deviceUnavailableReason(*parsed); !why.empty()) throw UsageError(why);
  return *parsed;
}

CLI::Validator deviceName() {
  return CLI::Validator(
      [](std::string& v) {
        return Device::parse(v) ? std::string() : "expected cpu, cuda or cuda:N, got '" + v + "'";
      },
      "cpu|cuda[:N]", "DEVICE");
}

std::pair<std::string, std::string> splitNamed(const std::string& text,
                                               const std::vector<std::string>& names) {
  size_t eq = text.find('=');
  if (eq != std::string::npos) {
    std::string name = text.substr(0, eq);
    for (const std::string& n : names)
      if (n == name) return {name, text.substr(eq + 1)};
  }
  return {"", text};
}

uint64_t peakMemoryBytes() { return procMemoryField("/proc/self/status", "VmHWM"); }

std::string formatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string formatNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

}  // namespace strata::cli
