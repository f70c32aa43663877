// Graph document: JSON load/save, byte-stable round trips and structural error messages.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "graph/document.h"
#include "graph_test_util.h"

using namespace strata;
using strata::test::sourceDir;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("strata_doc_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

const char* kSmall = R"({
  "format": "strata-graph", "version": 1,
  "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [-1, 8]}, "pos": [10.5, -3]},
    {"id": "fc", "type": "Linear", "params": {"out_features": 4}},
    {"id": "my.node", "type": "Output"}
  ],
  "edges": [{"from": "x.out", "to": "fc.in"}, {"from": "fc.out", "to": "my.node.in"}],
  "training": {"data": "sine", "lr": 0.001, "custom": [1, 2, {"z": null}]},
  "meta": {"name": "small"}
})";

std::string parseError(const std::string& text) {
  auto doc = GraphDocument::parse(text);
  EXPECT_FALSE(doc.isOk()) << "expected an error for " << text;
  return doc.isOk() ? "" : doc.message();
}

}  // namespace

TEST(GraphDocument, ParsesNodesEdgesTrainingAndMeta) {
  auto doc = GraphDocument::parse(kSmall);
  ASSERT_TRUE(doc.isOk()) << doc.message();
  ASSERT_EQ(doc->nodes.size(), 3u);
  EXPECT_EQ(doc->nodes[0].id, "x");
  EXPECT_EQ(doc->nodes[0].type, "Input");
  EXPECT_EQ(doc->nodes[0].params["shape"], Json::array({-1, 8}));
  EXPECT_DOUBLE_EQ(doc->nodes[0].x, 10.5);
  EXPECT_DOUBLE_EQ(doc->nodes[0].y, -3);
  EXPECT_TRUE(doc->nodes[2].params.is_object());
  ASSERT_EQ(doc->edges.size(), 2u);
  EXPECT_EQ(doc->edges[1].to.node, "my.node");  // the port is after the last dot
  EXPECT_EQ(doc->edges[1].to.port, "in");
  EXPECT_EQ(doc->training["custom"][2]["z"], nullptr);
  EXPECT_EQ(doc->meta["name"], "small");
  EXPECT_NE(doc->node("fc"), nullptr);
  EXPECT_EQ(doc->node("nope"), nullptr);
  EXPECT_EQ(doc->edgesInto("fc").size(), 1u);
  EXPECT_EQ(doc->edgesFrom("fc").size(), 1u);
}

TEST(GraphDocument, SaveLoadSaveIsByteIdentical) {
  auto doc = GraphDocument::parse(kSmall);
  ASSERT_TRUE(doc.isOk()) << doc.message();
  const std::string path = tempPath("roundtrip.strata");
  ASSERT_TRUE(doc->save(path).isOk());
  const std::string first = readFile(path);
  auto again = GraphDocument::load(path);
  ASSERT_TRUE(again.isOk()) << again.message();
  ASSERT_TRUE(again->save(path).isOk());
  EXPECT_EQ(readFile(path), first);
  EXPECT_EQ(first, doc->serialize());
  EXPECT_EQ(first.back(), '\n');
  EXPECT_EQ(again->training, doc->training);  // kept verbatim, unknown keys included
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove(path);
}

TEST(GraphDocument, SerializedFormHasSortedKeysAndTheFormatHeader) {
  auto doc = GraphDocument::parse(kSmall);
  ASSERT_TRUE(doc.isOk());
  const std::string text = doc->serialize();
  EXPECT_LT(text.find("\"edges\""), text.find("\"format\""));
  EXPECT_LT(text.find("\"format\""), text.find("\"nodes\""));
  Json j = Json::parse(text);
  EXPECT_EQ(j["format"], "strata-graph");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["nodes"][0]["pos"], Json::array({10.5, -3}));
  EXPECT_EQ(j["nodes"][1]["pos"], Json::array({0, 0}));
  EXPECT_EQ(j["edges"][0]["from"], "x.out");
  // A document without training settings or meta writes neither.
  GraphDocument empty;
  Json e = Json::parse(empty.serialize());
  EXPECT_FALSE(e.contains("training"));
  EXPECT_FALSE(e.contains("meta"));
}

TEST(GraphDocument, SamplesAreStoredInCanonicalForm) {
  for (const auto& entry : std::filesystem::directory_iterator(sourceDir() + "/samples")) {
    if (entry.path().extension() != ".strata") continue;
    SCOPED_TRACE(entry.path().string());
    auto doc = GraphDocument::load(entry.path().string());
    ASSERT_TRUE(doc.isOk()) << doc.message();
    EXPECT_EQ(doc->serialize(), readFile(entry.path().string()));
  }
}

TEST(GraphDocument, LoadErrorsStartWithThePath) {
  auto missing = GraphDocument::load("/nonexistent/dir/g.strata");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.message().rfind("/nonexistent/dir/g.strata: ", 0), 0u) << missing.message();
  const std::string path = tempPath("bad.strata");
  { std::ofstream(path) << "{\"format\": \"strata-graph\""; }
  auto bad = GraphDocument::load(path);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.message().rfind(path + ": parse error at line 1, column ", 0), 0u)
      << bad.message();
  std::filesystem::remove(path);
}

TEST(GraphDocument, TruncatedJsonGivesLineAndColumn) {
  std::string text = kSmall;
  std::string msg = parseError(text.substr(0, 120));
  EXPECT_NE(msg.find("parse error at line 4, column "), std::string::npos) << msg;
  EXPECT_EQ(msg.find("json.exception"), std::string::npos) << msg;
}

TEST(GraphDocument, StructuralErrorsNameThePlace) {
  auto with = [](const std::string& nodes, const std::string& edges = "[]") {
    return R"({"format": "strata-graph", "version": 1, "nodes": )" + nodes +
           R"(, "edges": )" + edges + "}";
  };
  const std::string two = R"([{"id": "x", "type": "Input"}, {"id": "fc", "type": "Linear"},
                              {"id": "y", "type": "Output"}, {"id": "z"}])";
  EXPECT_EQ(parseError(with(two)), "nodes[3]: missing 'type'");
  EXPECT_EQ(parseError(with(R"([{"type": "Input"}])")), "nodes[0]: missing 'id'");
  EXPECT_EQ(parseError(with(R"([{"id": 3, "type": "Input"}])")),
            "nodes[0].id: must be a non-empty string, got 3");
  EXPECT_EQ(parseError(with(R"([{"id": "a", "type": "Input"}, {"id": "a", "type": "Output"}])")),
            "nodes[1]: duplicate node id 'a'");
  EXPECT_EQ(parseError(with(R"([{"id": "a", "type": "Input", "params": [1]}])")),
            "nodes[0].params: must be an object, got [1]");
  EXPECT_EQ(parseError(with(R"([{"id": "a", "type": "Input", "pos": [1]}])")),
            "nodes[0].pos: must be [x, y], got [1]");
  EXPECT_EQ(parseError(with(R"([{"id": "a", "type": "Input", "colour": 1}])")),
            "nodes[0]: unknown key 'colour'");
  EXPECT_EQ(parseError(with(R"([5])")), "nodes[0]: must be an object, got 5");

  const std::string ab = R"([{"id": "a", "type": "Input"}, {"id": "fc", "type": "Linear"}])";
  EXPECT_EQ(parseError(with(ab, R"([{"from": "a.out", "to": "fc.in"},
                                    {"from": "a.out", "to": "fc.in"},
                                    {"from": "a.out", "to": "fc"}])")),
            "edges[1]: duplicate of edges[0]");
  EXPECT_EQ(parseError(with(ab, R"([{"from": "a.out", "to": "fc.in"},
                                    {"from": "a.out", "to": "fc.x"},
                                    {"from": "a.out", "to": "fc"}])")),
            "edges[2].to: 'fc' is not '<node>.<port>'");
  EXPECT_EQ(parseError(with(ab, R"([{"from": "b.out", "to": "fc.in"}])")),
            "edges[0].from: no node 'b'");
  EXPECT_EQ(parseError(with(ab, R"([{"from": "a.out"}])")), "edges[0]: missing 'to'");
  EXPECT_EQ(parseError(with(ab, R"([{"from": "a.out", "to": 7}])")),
            "edges[0].to: must be a string \"<node>.<port>\", got 7");
  EXPECT_EQ(parseError(with(ab, R"({"a": 1})")), "'edges' must be an array, got {\"a\":1}");
}

TEST(GraphDocument, HeaderErrors) {
  EXPECT_EQ(parseError("[1, 2]"), "the file must hold a JSON object, got [1,2]");
  EXPECT_EQ(parseError(R"({"version": 1, "nodes": []})"),
            "missing 'format' (expected \"strata-graph\")");
  EXPECT_EQ(parseError(R"({"format": "onnx", "version": 1, "nodes": []})"),
            "'format' is \"onnx\", expected \"strata-graph\"");
  EXPECT_EQ(parseError(R"({"format": "strata-graph", "nodes": []})"), "missing 'version'");
  EXPECT_EQ(parseError(R"({"format": "strata-graph", "version": 2, "nodes": []})"),
            "version 2 is not supported (this Strata reads version 1)");
  EXPECT_EQ(parseError(R"({"format": "strata-graph", "version": 1})"), "missing 'nodes'");
  EXPECT_EQ(parseError(R"({"format": "strata-graph", "version": 1, "nodes": [], "x": 1})"),
            "unknown top-level key 'x'");
  EXPECT_EQ(parseError(R"({"format": "strata-graph", "version": 1, "nodes": [],
                           "training": 3})"),
            "'training' must be an object, got 3");
}

TEST(GraphDocument, ParseEndpoint) {
  auto e = parseEndpoint("enc.layer.out");
  ASSERT_TRUE(e.isOk());
  EXPECT_EQ(e->node, "enc.layer");
  EXPECT_EQ(e->port, "out");
  EXPECT_FALSE(parseEndpoint("fc").isOk());
  EXPECT_FALSE(parseEndpoint(".out").isOk());
  EXPECT_FALSE(parseEndpoint("fc.").isOk());
}
