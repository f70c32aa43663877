// Helpers for the graph tests: documents from compact JSON and the samples folder.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/testenv.h"
#include "graph/document.h"

namespace strata::test {

// A document from nodes "id:Type" with params, and edges "a.out->b.in".
inline GraphDocument makeDoc(const Json& nodes, const std::vector<std::string>& edges) {
  Json j = {{"format", "strata-graph"}, {"version", 1}, {"nodes", Json::array()},
            {"edges", Json::array()}};
  for (const auto& n : nodes) j["nodes"].push_back(n);
  for (const auto& e : edges) {
    auto arrow = e.find("->");
    j["edges"].push_back({{"from", e.substr(0, arrow)}, {"to", e.substr(arrow + 2)}});
  }
  auto doc = GraphDocument::fromJson(j);
  EXPECT_TRUE(doc.isOk()) << doc.message();
  return doc.isOk() ? *doc : GraphDocument{};
}

inline Json node(const std::string& id, const std::string& type, Json params = Json::object()) {
  return {{"id", id}, {"type", type}, {"params", params}};
}

}  // namespace strata::test
