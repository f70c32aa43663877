#include "document/graphfragment.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace strata::gui {

GraphDocument GraphFragment::extract(const GraphDocument& doc,
                                     const std::vector<std::string>& ids) {
  const std::set<std::string> wanted(ids.begin(), ids.end());
  GraphDocument fragment;
  for (const GraphNode& n : doc.nodes)
    if (wanted.count(n.id)) fragment.nodes.push_back(n);
  for (const GraphEdge& e : doc.edges)
    if (wanted.count(e.from.node) && wanted.count(e.to.node)) fragment.edges.push_back(e);
  // Blocks travel when all their members do.
  for (const GraphBlock& b : doc.blocks)
    if (std::all_of(b.nodes.begin(), b.nodes.end(),
                    [&](const std::string& n) { return wanted.count(n) > 0; }))
      fragment.blocks.push_back(b);
  return fragment;
}

QString GraphFragment::toText(const GraphDocument& fragment) {
  return QString::fromStdString(fragment.serialize());
}

std::optional<GraphDocument> GraphFragment::parse(const QString& text) {
  Result<GraphDocument> doc = GraphDocument::parse(text.toStdString());
  if (!doc) return std::nullopt;
  return std::move(doc).value();
}

GraphDocument GraphFragment::preparePaste(const GraphDocument& fragment,
                                          const GraphDocument& target, QPointF offset) {
  std::set<std::string> taken;
  for (const GraphNode& n : target.nodes) taken.insert(n.id);
  for (const GraphBlock& b : target.blocks) taken.insert(b.id);  // ids are shared with blocks
  std::map<std::string, std::string> renamed;
  GraphDocument out;
  for (GraphNode n : fragment.nodes) {
    std::string id = n.id;
    if (taken.count(id)) {
      // "fc2" -> stem "fc", then fc2, fc3, ... until free.
      std::string stem = id;
      while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back())))
        stem.pop_back();
      if (stem.empty()) stem = id + "_";
      for (int i = 2; taken.count(id); ++i) id = stem + std::to_string(i);
    }
    taken.insert(id);
    renamed[n.id] = id;
    n.id = id;
    n.x += offset.x();
    n.y += offset.y();
    out.nodes.push_back(std::move(n));
  }
  for (GraphEdge e : fragment.edges) {
    auto from = renamed.find(e.from.node);
    auto to = renamed.find(e.to.node);
    if (from == renamed.end() || to == renamed.end()) continue;
    e.from.node = from->second;
    e.to.node = to->second;
    out.edges.push_back(std::move(e));
  }
  for (const GraphNode& n : target.nodes) taken.insert(n.id);
  for (const GraphBlock& b : target.blocks) taken.insert(b.id);
  for (const GraphNode& n : out.nodes) taken.insert(n.id);
  for (GraphBlock b : fragment.blocks) {
    std::string id = b.id;
    for (int i = 2; taken.count(id); ++i) id = b.id + std::to_string(i);
    taken.insert(id);
    b.id = id;
    for (std::string& n : b.nodes) n = renamed.at(n);
    out.blocks.push_back(std::move(b));
  }
  return out;
}

Json GraphFragment::nodeToJson(const GraphNode& node) {
  GraphDocument doc;
  doc.nodes.push_back(node);
  return doc.toJson()["nodes"][0];
}

std::optional<GraphNode> GraphFragment::nodeFromJson(const Json& j) {
  GraphDocument empty;
  Json doc = empty.toJson();
  doc["nodes"] = Json::array({j});
  Result<GraphDocument> parsed = GraphDocument::fromJson(doc);
  if (!parsed || parsed->nodes.size() != 1) return std::nullopt;
  return parsed->nodes.front();
}

}  // namespace strata::gui
