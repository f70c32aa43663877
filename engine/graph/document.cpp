// Reading and writing .strata graph files (docs/graph-format.md). Only the file structure is
// checked here; layer types, params and shapes are analyze()'s business.
#include "graph/document.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/atomic_file.h"

namespace strata {

namespace {

constexpr const char* kFormat = "strata-graph";

Result<GraphDocument> fail(const std::string& message) {
  return Result<GraphDocument>::error(message);
}

std::string shown(const Json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// Positions are written as integers when they are whole numbers, so files stay readable and
// a load -> save round trip is byte-stable either way.
Json number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
    return Json(static_cast<int64_t>(v));
  return Json(v);
}

// Compact JSON with a space after ',' and ':' (`{"id": "fc", "pos": [0, 0]}`).
std::string compact(const Json& v) {
  if (v.is_object()) {
    std::string out = "{";
    for (auto it = v.begin(); it != v.end(); ++it)
      out += (it == v.begin() ? "" : ", ") + Json(it.key()).dump() + ": " + compact(it.value());
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + compact(v[i]);
    return out + "]";
  }
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Pretty-prints with two-space indents, but keeps a value on one line when it fits in
// kLineWidth columns: one line per node and per edge reads well and diffs well.
constexpr size_t kLineWidth = 100;

void prettyPrint(const Json& v, size_t indent, size_t column, bool forceExpand, std::string& out) {
  std::string flat = compact(v);
  if (!v.is_structured() || v.empty() || (!forceExpand && column + flat.size() + 1 <= kLineWidth)) {
    out += flat;
    return;
  }
  const std::string pad(indent + 2, ' ');
  out += v.is_object() ? "{\n" : "[\n";
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    out += pad;
    size_t col = pad.size();
    if (v.is_object()) {
      std::string key = Json(it.key()).dump() + ": ";
      out += key;
      col += key.size();
    }
    prettyPrint(it.value(), indent + 2, col, false, out);
    out += i + 1 < v.size() ? ",\n" : "\n";
  }
  out += std::string(indent, ' ') + (v.is_object() ? "}" : "]");
}

// The parser itself is iterative, but copying and printing a value recurse once per level: a
// hostile file of 100000 '[' would overflow the stack. No graph file nests anywhere near this deep.
constexpr int kMaxNesting = 256;

std::string nestingProblem(const std::string& text) {
  int depth = 0;
  size_t line = 1, column = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
    }
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        return "parse error at line " + std::to_string(line) + ", column " +
               std::to_string(column) + ": arrays and objects nested more than " +
               std::to_string(kMaxNesting) + " levels deep";
    } else if (c == ']' || c == '}') {
      --depth;  // unbalanced text is the parser's to report
    }
  }
  return {};
}

Status parseNode(const Json& j, const std::string& where, GraphNode& node) {
  if (!j.is_object()) return Status::error(where + ": must be an object, got " + shown(j));
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "type" && key != "params" && key != "pos")
      return Status::error(where + ": unknown key '" + key + "'");
  auto id = j.find("id");
  if (id == j.end()) return Status::error(where + ": missing 'id'");
  if (!id->is_string() || id->get<std::string>().empty())
    return Status::error(where + ".id: must be a non-empty string, got " + shown(*id));
  node.id = id->get<std::string>();
  auto type = j.find("type");
  if (type == j.end()) return Status::error(where + ": missing 'type'");
  if (!type->is_string() || type->get<std::string>().empty())
    return Status::error(where + ".type: must be a non-empty string, got " + shown(*type));
  node.type = type->get<std::string>();
  auto params = j.find("params");
  if (params != j.end() && !params->is_null()) {
    if (!params->is_object())
      return Status::error(where + ".params: must be an object, got " + shown(*params));
    node.params = *params;
  }
  auto pos = j.find("pos");
  if (pos != j.end() && !pos->is_null()) {
    if (!pos->is_array() || pos->size() != 2 || !(*pos)[0].is_number() ||
        !(*pos)[1].is_number())
      return Status::error(where + ".pos: must be [x, y], got " + shown(*pos));
    node.x = (*pos)[0].get<double>();
    node.y = (*pos)[1].get<double>();
  }
  return Status::ok();
}

Status parseEdgeEnd(const Json& j, const std::string& where, const char* key,
                    const std::set<std::string>& ids, Endpoint& out) {
  auto it = j.find(key);
  if (it == j.end()) return Status::error(where + ": missing '" + key + "'");
  const std::string at = where + "." + key;
  if (!it->is_string())
    return Status::error(at + ": must be a string \"<node>.<port>\", got " + shown(*it));
  auto ep = parseEndpoint(it->get<std::string>());
  if (!ep) return Status::error(at + ": " + ep.message());
  if (!ids.count(ep->node)) return Status::error(at + ": no node '" + ep->node + "'");
  out = *ep;
  return Status::ok();
}

Status parseBlock(const Json& j, const std::string& where, const std::set<std::string>& nodeIds,
                  std::set<std::string>& grouped, GraphBlock& block) {
  if (!j.is_object()) return Status::error(where + ": must be an object, got " + shown(j));
  for (const auto& [key, value] : j.items())
    if (key != "id" && key != "name" && key != "nodes" && key != "repeat" && key != "collapsed")
      return Status::error(where + ": unknown key '" + key + "'");
  auto id = j.find("id");
  if (id == j.end()) return Status::error(where + ": missing 'id'");
  if (!id->is_string() || id->get<std::string>().empty())
    return Status::error(where + ".id: must be a non-empty string, got " + shown(*id));
  block.id = id->get<std::string>();
  if (nodeIds.count(block.id))
    return Status::error(where + ".id: '" + block.id + "' is also a node id");
  if (auto name = j.find("name"); name != j.end() && !name->is_null()) {
    if (!name->is_string())
      return Status::error(where + ".name: must be a string, got " + shown(*name));
    block.name = name->get<std::string>();
  }
  auto nodes = j.find("nodes");
  if (nodes == j.end()) return Status::error(where + ": missing 'nodes'");
  if (!nodes->is_array() || nodes->empty())
    return Status::error(where + ".nodes: must be a non-empty array of node ids, got " +
                         shown(*nodes));
  for (size_t i = 0; i < nodes->size(); ++i) {
    const Json& n = (*nodes)[i];
    const std::string at = where + ".nodes[" + std::to_string(i) + "]";
    if (!n.is_string()) return Status::error(at + ": must be a node id, got " + shown(n));
    const std::string nodeId = n.get<std::string>();
    if (!nodeIds.count(nodeId)) return Status::error(at + ": no node '" + nodeId + "'");
    if (!grouped.insert(nodeId).second)
      return Status::error(at + ": node '" + nodeId + "' is already in a block");
    block.nodes.push_back(nodeId);
  }
  if (auto repeat = j.find("repeat"); repeat != j.end() && !repeat->is_null()) {
    if (!repeat->is_number_integer() || repeat->get<int64_t>() < 1 ||
        repeat->get<int64_t>() > GraphBlock::kMaxRepeat)
      return Status::error(where + ".repeat: must be an integer from 1 to " +
                           std::to_string(GraphBlock::kMaxRepeat) + ", got " + shown(*repeat));
    block.repeat = static_cast<int>(repeat->get<int64_t>());
  }
  if (auto collapsed = j.find("collapsed"); collapsed != j.end() && !collapsed->is_null()) {
    if (!collapsed->is_boolean())
      return Status::error(where + ".collapsed: must be true or false, got " + shown(*collapsed));
    block.collapsed = collapsed->get<bool>();
  }
  return Status::ok();
}

}  // namespace

bool isIdentifier(const std::string& id) {
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Result<Endpoint> parseEndpoint(const std::string& text) {
  auto dot = text.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
    return Result<Endpoint>::error("'" + text + "' is not '<node>.<port>'");
  return Endpoint{text.substr(0, dot), text.substr(dot + 1)};
}

Result<GraphDocument> GraphDocument::fromJson(const Json& j) {
  if (!j.is_object()) return fail("the file must hold a JSON object, got " + shown(j));
  for (const auto& [key, value] : j.items())
    if (key != "format" && key != "version" && key != "nodes" && key != "edges" &&
        key != "training" && key != "meta" && key != "blocks")
      return fail("unknown top-level key '" + key + "'");
  auto format = j.find("format");
  if (format == j.end()) return fail("missing 'format' (expected \"strata-graph\")");
  if (*format != kFormat)
    return fail("'format' is " + shown(*format) + ", expected \"strata-graph\"");
  auto version = j.find("version");
  if (version == j.end()) return fail("missing 'version'");
  if (!version->is_number_integer())
    return fail("'version' must be an integer, got " + shown(*version));
  if (version->get<int64_t>() != kVersion)
    return fail("version " + std::to_string(version->get<int64_t>()) +
                " is not supported (this Strata reads version " + std::to_string(kVersion) +
                ")");

  GraphDocument doc;
  auto nodes = j.find("nodes");
  if (nodes == j.end()) return fail("missing 'nodes'");
  if (!nodes->is_array()) return fail("'nodes' must be an array, got " + shown(*nodes));
  std::set<std::string> ids;
  for (size_t i = 0; i < nodes->size(); ++i) {
    GraphNode node;
    const std::string where = "nodes[" + std::to_string(i) + "]";
    if (Status s = parseNode((*nodes)[i], where, node); !s) return s;
    if (!ids.insert(node.id).second) return fail(where + ": duplicate node id '" + node.id + "'");
    doc.nodes.push_back(std::move(node));
  }

  auto edges = j.find("edges");
  if (edges != j.end() && !edges->is_null()) {
    if (!edges->is_array()) return fail("'edges' must be an array, got " + shown(*edges));
    std::map<std::string, size_t> edgeIndex;
    for (size_t i = 0; i < edges->size(); ++i) {
      const Json& e = (*edges)[i];
      const std::string where = "edges[" + std::to_string(i) + "]";
      if (!e.is_object()) return fail(where + ": must be an object, got " + shown(e));
      for (const auto& [key, value] : e.items())
        if (key != "from" && key != "to") return fail(where + ": unknown key '" + key + "'");
      GraphEdge edge;
      if (Status s = parseEdgeEnd(e, where, "from", ids, edge.from); !s) return s;
      if (Status s = parseEdgeEnd(e, where, "to", ids, edge.to); !s) return s;
      // Keyed by the edge's text, so a large file is checked in O(E log E), not O(E^2).
      auto [seen, fresh] =
          edgeIndex.emplace(edge.from.toString() + "->" + edge.to.toString(), i);
      if (!fresh)
        return fail(where + ": duplicate of edges[" + std::to_string(seen->second) + "]");
      doc.edges.push_back(std::move(edge));
    }
  }

  auto blocks = j.find("blocks");
  if (blocks != j.end() && !blocks->is_null()) {
    if (!blocks->is_array()) return fail("'blocks' must be an array, got " + shown(*blocks));
    std::set<std::string> blockIds, grouped;
    for (size_t i = 0; i < blocks->size(); ++i) {
      GraphBlock block;
      const std::string where = "blocks[" + std::to_string(i) + "]";
      if (Status s = parseBlock((*blocks)[i], where, ids, grouped, block); !s) return s;
      if (!blockIds.insert(block.id).second)
        return fail(where + ": duplicate block id '" + block.id + "'");
      doc.blocks.push_back(std::move(block));
    }
  }

  for (const char* key : {"training", "meta"}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_object())
      return fail(std::string("'") + key + "' must be an object, got " + shown(*it));
    (key == std::string("training") ? doc.training : doc.meta) = *it;
  }
  return doc;
}

Result<GraphDocument> GraphDocument::parse(const std::string& text) {
  if (std::string problem = nestingProblem(text); !problem.empty()) return fail(problem);
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ..."; a
    // number past double range ("1e400") is an out_of_range error without a place.
    std::string what = e.what();
    auto close = what.find("] ");
    return fail(close != std::string::npos ? what.substr(close + 2) : what);
  }
  return fromJson(j);
}

Result<GraphDocument> GraphDocument::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return fail(path + ": read error");
  auto doc = parse(buffer.str());
  if (!doc) return fail(path + ": " + doc.message());
  return doc;
}

Json GraphDocument::toJson() const {
  Json j = Json::object();
  j["format"] = kFormat;
  j["version"] = kVersion;
  Json ns = Json::array();
  for (const auto& n : nodes) {
    Json node = Json::object();
    node["id"] = n.id;
    node["type"] = n.type;
    node["params"] = n.params.is_object() ? n.params : Json::object();
    node["pos"] = Json::array({number(n.x), number(n.y)});
    ns.push_back(std::move(node));
  }
  j["nodes"] = std::move(ns);
  Json es = Json::array();
  for (const auto& e : edges)
    es.push_back(Json{{"from", e.from.toString()}, {"to", e.to.toString()}});
  j["edges"] = std::move(es);
  if (!blocks.empty()) {
    Json bs = Json::array();
    for (const auto& b : blocks)
      bs.push_back(Json{{"id", b.id}, {"name", b.name}, {"nodes", b.nodes},
                        {"repeat", b.repeat}, {"collapsed", b.collapsed}});
    j["blocks"] = std::move(bs);
  }
  if (training.is_object() && !training.empty()) j["training"] = training;
  if (meta.is_object() && !meta.empty()) j["meta"] = meta;
  return j;
}

std::string GraphDocument::serialize() const {
  // nlohmann::json keeps object keys sorted, so the text depends only on the content.
  std::string out;
  prettyPrint(toJson(), 0, 0, true, out);
  return out + "\n";
}

Status GraphDocument::save(const std::string& path) const {
  return writeFileAtomically(path, serialize());
}

const GraphNode* GraphDocument::node(const std::string& id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

GraphNode* GraphDocument::node(const std::string& id) {
  for (auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

const GraphBlock* GraphDocument::block(const std::string& id) const {
  for (const auto& b : blocks)
    if (b.id == id) return &b;
  return nullptr;
}

GraphBlock* GraphDocument::block(const std::string& id) {
  for (auto& b : blocks)
    if (b.id == id) return &b;
  return nullptr;
}

const GraphBlock* GraphDocument::blockOf(const std::string& nodeId) const {
  for (const auto& b : blocks)
    if (std::find(b.nodes.begin(), b.nodes.end(), nodeId) != b.nodes.end()) return &b;
  return nullptr;
}

std::vector<const GraphEdge*> GraphDocument::edgesInto(const std::string& nodeId) const {
  std::vector<const GraphEdge*> out;
  for (const auto& e : edges)
    if (e.to.node == nodeId) out.push_back(&e);
  return out;
}

std::vector<const GraphEdge*> GraphDocument::edgesFrom(const std::string& nodeId) const {
  std::vector<const GraphEdge*> out;
  for (const auto& e : edges)
    if (e.from.node == nodeId) out.push_back(&e);
  return out;
}

}  // namespace strata
