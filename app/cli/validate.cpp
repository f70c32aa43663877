// `strata-cli validate GRAPH`: a table of every node's output shapes, parameter count and FLOPs
// with totals; or one "GRAPH: node <id>: <reason>" line per problem and exit code 2.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "graph/analysis.h"

namespace strata::cli {

namespace {

std::string typeText(const TensorType& t) {
  std::string s = shapeToString(t.shape);
  if (t.kind == ValueKind::Int64) s += " int64";
  return s;
}

std::string flopsText(int64_t flops) {
  const char* units[] = {"", "K", "M", "G", "T"};
  double v = static_cast<double>(flops);
  int u = 0;
  while (v >= 1000.0 && u < 4) {
    v /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f" : "%.2f %s", v, units[u]);
  return buf;
}

struct Row {
  std::string node, type, output, params, flops;
};

void printTable(const std::vector<Row>& rows) {
  size_t w[5] = {4, 4, 6, 6, 5};  // header widths
  for (const Row& r : rows) {
    w[0] = std::max(w[0], r.node.size());
    w[1] = std::max(w[1], r.type.size());
    w[2] = std::max(w[2], r.output.size());
    w[3] = std::max(w[3], r.params.size());
    w[4] = std::max(w[4], r.flops.size());
  }
  auto line = [&](const Row& r) {
    std::printf("%-*s  %-*s  %-*s  %*s  %*s\n", int(w[0]), r.node.c_str(), int(w[1]),
                r.type.c_str(), int(w[2]), r.output.c_str(), int(w[3]), r.params.c_str(),
                int(w[4]), r.flops.c_str());
  };
  line({"node", "type", "output", "params", "FLOPs"});
  line({std::string(w[0], '-'), std::string(w[1], '-'), std::string(w[2], '-'),
        std::string(w[3], '-'), std::string(w[4], '-')});
  for (const Row& r : rows) line(r);
}

int runValidate(const std::string& path) {
  GraphDocument doc = loadGraph(path);
  GraphAnalysis analysis = analyze(doc);
  if (!analysis.ok()) throw UsageError(diagnosticLines(analysis, path));

  std::vector<Row> rows;
  for (const std::string& id : analysis.order) {
    const NodeAnalysis& na = analysis.nodes.at(id);
    Row row{id, na.spec ? na.spec->type : "?", "-", formatCount(na.parameterCount),
            flopsText(na.flops)};
    if (na.outputs.empty()) {
      rows.push_back(row);
      continue;
    }
    for (size_t i = 0; i < na.outputs.size(); ++i) {
      std::string port = na.spec && i < na.spec->outputs.size() ? na.spec->outputs[i].name : "";
      std::string text = (na.outputs.size() > 1 ? port + " " : "") + typeText(na.outputs[i]);
      if (i == 0) {
        row.output = text;
        rows.push_back(row);
      } else {
        rows.push_back({"", "", text, "", ""});
      }
    }
  }
  std::printf("%s: valid graph, %zu nodes, %zu edges", path.c_str(), doc.nodes.size(),
              doc.edges.size());
  for (const GraphBlock& b : doc.blocks)
    std::printf("%s block %s%s", &b == &doc.blocks.front() ? ";" : ",", b.id.c_str(),
                b.repeat > 1 ? (" x" + std::to_string(b.repeat)).c_str() : "");
  std::printf("\n\n");
  printTable(rows);
  std::printf("\ntotal: %s parameters, %s FLOPs per sample\n",
              formatCount(analysis.totalParameters).c_str(),
              flopsText(analysis.totalFlops).c_str());
  return kExitOk;
}

}  // namespace

Verb addValidateVerb(CLI::App& app) {
  auto graph = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Check a graph; print each node's output shapes, parameters and FLOPs");
  cmd->add_option("GRAPH", *graph, "the .strata graph file")->required();
  return {cmd, [graph] { return runValidate(*graph); }};
}

}  // namespace strata::cli
