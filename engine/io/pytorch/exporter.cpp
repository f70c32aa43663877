// The PyTorch code exporter: walks the compiled (Repeat-expanded) graph in topological order and
// lets each layer family write its submodule and forward lines through PyTorchContext
// (LayerSpec::toPyTorch); Input nodes become forward()'s arguments, Output nodes its return value,
// loss nodes the body of loss(prediction, target).
#include "io/pytorch/exporter.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "io/pytorch/pytorch_context.h"

namespace strata {

namespace py {

std::string boolean(bool v) { return v ? "True" : "False"; }

std::string number(double v) {
  if (std::isnan(v)) return "float('nan')";
  if (std::isinf(v)) return v > 0 ? "float('inf')" : "float('-inf')";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string integer(int64_t v) { return std::to_string(v); }

std::string string(const std::string& v) {
  std::string out = "'";
  for (unsigned char ch : v) {
    if (ch == '\\' || ch == '\'') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);  // UTF-8 bytes pass through: the file is UTF-8
    }
  }
  return out + "'";
}

std::string causalMask(PyTorchContext& c, const std::string& t, const std::string& s,
                       const std::string& device) {
  c.helper("_causal_mask",
           "def _causal_mask(t, s, device):\n"
           "    \"\"\"[t, s] bool: True where key j > query i (hidden), Strata's causal.\"\"\"\n"
           "    return torch.ones(t, s, dtype=torch.bool, device=device).triu(1)\n");
  return "_causal_mask(" + t + ", " + s + ", " + device + ")";
}

std::string paddingMask(const std::string& mask) {
  return mask.empty() ? mask : "(" + mask + " != 0)";
}

}  // namespace py

namespace {

const std::set<std::string>& pythonKeywords() {
  static const std::set<std::string> k = {
      "False", "None",   "True",    "and",      "as",       "assert", "async",  "await",
      "break", "class",  "continue", "def",     "del",      "elif",   "else",   "except",
      "finally", "for",  "from",    "global",   "if",       "import", "in",     "is",
      "lambda", "nonlocal", "not",  "or",       "pass",     "raise",  "return", "try",
      "while", "with",   "yield",   "match",    "case",     "_"};
  return k;
}

// Attributes of nn.Module (and nn.ModuleDict, which holds Repeat copies) plus the methods the
// generated class defines: a submodule of that name cannot be registered.
const std::set<std::string>& moduleAttributes() {
  static const std::set<std::string> k = {
      "T_destination", "add_module", "apply", "bfloat16", "buffers", "children", "clear", "cpu",
      "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
      "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "items", "keys",
      "load_state_dict", "loss", "modules", "named_buffers", "named_children", "named_modules",
      "named_parameters", "parameters", "pop", "register_backward_hook", "register_buffer",
      "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
      "register_load_state_dict_post_hook", "register_module", "register_parameter",
      "requires_grad_", "set_extra_state", "share_memory", "state_dict", "to", "to_empty",
      "train", "training", "type", "update", "values", "xpu", "zero_grad", "call_super_init"};
  return k;
}

bool pyIdentifier(const std::string& s) {
  return isIdentifier(s) && !pythonKeywords().count(s);
}

std::string describeType(const TensorType& t) {
  return shapeToString(t.shape) + (t.kind == ValueKind::Int64 ? " int64" : " float32");
}

std::string indent(const std::string& code, int spaces) {
  std::string pad(static_cast<size_t>(spaces), ' '), out;
  std::istringstream in(code);
  std::string line;
  while (std::getline(in, line)) out += (line.empty() ? "" : pad + line) + "\n";
  return out;
}

// Where a flat node id lives in the module tree: "fc1" -> self.fc1; a Repeat copy "b.3.m" ->
// self.b[3]['m'] in `self.b = nn.ModuleList([nn.ModuleDict() for _ in range(N)])`.
struct ModulePath {
  std::string block;  // empty for a top-level node
  int64_t copy = 0;
  std::string member;
};

Result<ModulePath> modulePath(const std::string& id) {
  using R = Result<ModulePath>;
  const size_t a = id.find('.');
  if (a == std::string::npos) {
    if (!isIdentifier(id))
      return R::error("the id is not a Python identifier, so it cannot name a PyTorch module");
    if (moduleAttributes().count(id))
      return R::error("the id '" + id +
                      "' is an attribute of torch.nn.Module, so it cannot name a submodule; "
                      "rename the node");
    return ModulePath{"", 0, id};
  }
  const size_t b = id.find('.', a + 1);
  const std::string block = id.substr(0, a);
  const std::string copy = b == std::string::npos ? "" : id.substr(a + 1, b - a - 1);
  const std::string member = b == std::string::npos ? "" : id.substr(b + 1);
  if (copy.empty() || copy.find_first_not_of("0123456789") != std::string::npos ||
      copy.size() > 6 || !isIdentifier(block) || !isIdentifier(member))
    return R::error("cannot name a PyTorch module for the id '" + id + "'");
  if (moduleAttributes().count(block))
    return R::error("the block id '" + block +
                    "' is an attribute of torch.nn.Module, so it cannot name a submodule");
  if (moduleAttributes().count(member))
    return R::error("the member id '" + member +
                    "' is an attribute of torch.nn.ModuleDict, so it cannot name a submodule");
  return ModulePath{block, std::stoll(copy), member};
}

class Writer final : public PyTorchContext {
 public:
  Writer(const GraphAnalysis& analysis, std::set<std::string> usedOutputs,
         std::map<std::string, int64_t> blockCopies)
      : m_analysis(analysis),
        m_usedOutputs(std::move(usedOutputs)),
        m_blockCopies(std::move(blockCopies)) {}

  // Starts a body (forward or loss) with its own local names; `reserved` are its arguments.
  void beginBody(const std::set<std::string>& reserved) {
    m_locals = reserved;
    for (const char* n : {"self", "torch", "nn", "F", "math", "Model", "PositionalEncoding"})
      m_locals.insert(n);
    m_body = &m_bodies.emplace_back();
  }
  const std::vector<std::string>& body() const { return *m_body; }

  void begin(const std::string& id, const NodeAnalysis& na, std::vector<std::string> inputs) {
    beginNode(id, na, std::move(inputs));
    m_outputs.assign(na.spec->outputs.size(), "");
    m_moduleDeclared = false;
    m_error.clear();
  }
  const std::vector<std::string>& outputs() const { return m_outputs; }
  const std::string& error() const { return m_error; }

  bool outputUsed(size_t i) const override {
    const auto& outputs = nodeAnalysis().spec->outputs;
    return i < outputs.size() && m_usedOutputs.count(nodeId() + "." + outputs[i].name) > 0;
  }
  std::string module(const std::string& constructor) override {
    auto path = modulePath(nodeId());
    if (!path) {
      if (m_error.empty()) m_error = path.message();
      return "self._invalid";
    }
    if (m_moduleDeclared && m_error.empty()) m_error = "declares its submodule twice";
    m_moduleDeclared = true;
    if (path->block.empty()) {
      m_init.push_back("self." + path->member + " = " + constructor);
      return "self." + path->member;
    }
    if (m_declaredBlocks.insert(path->block).second) {
      const int64_t n = m_blockCopies.count(path->block) ? m_blockCopies.at(path->block) : 1;
      m_init.push_back("# Repeat block '" + path->block + "': " + std::to_string(n) +
                       " copies, each with its own weights (keys " + path->block +
                       ".<k>.<member>.*)");
      m_init.push_back("self." + path->block + " = nn.ModuleList([nn.ModuleDict() for _ in range(" +
                       std::to_string(n) + ")])");
    }
    const std::string ref =
        "self." + path->block + "[" + std::to_string(path->copy) + "][" +
        py::string(path->member) + "]";
    m_init.push_back(ref + " = " + constructor);
    return ref;
  }
  void line(const std::string& code) override { m_body->push_back(code); }
  std::string var(const std::string& hint) override {
    std::string base;
    for (char ch : hint)
      base += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') ? ch : '_';
    if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0])) || base[0] == '_')
      base = "v" + base;
    std::string n = base;
    for (int k = 2; m_locals.count(n) || pythonKeywords().count(n); ++k)
      n = base + "_" + std::to_string(k);
    m_locals.insert(n);
    return n;
  }
  void setOutput(size_t i, const std::string& expr) override {
    if (i < m_outputs.size()) m_outputs[i] = expr;
  }
  void helper(const std::string& name, const std::string& code) override {
    if (m_helperNames.insert(name).second) m_helpers.push_back(code);
  }

  const std::vector<std::string>& initLines() const { return m_init; }
  const std::vector<std::string>& helpers() const { return m_helpers; }

 private:
  const GraphAnalysis& m_analysis;
  std::set<std::string> m_usedOutputs;
  std::map<std::string, int64_t> m_blockCopies;
  std::set<std::string> m_locals, m_helperNames, m_declaredBlocks;
  std::vector<std::string> m_init, m_helpers;
  std::vector<std::vector<std::string>> m_bodies;  // a vector of bodies keeps m_body stable
  std::vector<std::string>* m_body = nullptr;
  std::string m_error;
  std::vector<std::string> m_outputs;
  bool m_moduleDeclared = false;
};

// Runs a family's hook, turning exceptions and unset outputs into an error naming the node.
Status runHook(Writer& w, const std::string& id, const NodeAnalysis& na,
               const std::vector<std::string>& inputs) {
  w.begin(id, na, inputs);
  Status s = Status::ok();
  try {
    s = na.spec->toPyTorch(w);
  } catch (const std::exception& e) {
    s = Status::error(e.what());
  }
  if (!s) return Status::error("node " + id + ": " + s.message());
  if (!w.error().empty()) return Status::error("node " + id + ": " + w.error());
  return Status::ok();
}

}  // namespace

Result<std::string> exportPyTorchCode(const GraphDocument& doc, const Model& model) {
  using R = Result<std::string>;
  const GraphAnalysis& analysis = model.analysis();
  const GraphDocument& flat = model.flatDocument();  // Repeat blocks expanded
  if (!analysis.ok()) {
    const NodeDiagnostic& d = analysis.diagnostics.front();
    return R::error(d.nodeId.empty() ? d.message : "node " + d.nodeId + ": " + d.message);
  }

  // Inputs become forward()'s arguments, named by node id.
  std::set<std::string> argNames;
  for (const std::string& id : model.inputNames()) {
    if (!pyIdentifier(id) || id == "self")
      return R::error("node " + id + ": the Input id '" + id +
                      "' cannot be a Python argument name; rename the node");
    argNames.insert(id);
  }
  std::set<std::string> usedOutputs;
  for (const auto& e : flat.edges) usedOutputs.insert(e.from.toString());
  std::map<std::string, int64_t> blockCopies;
  for (const auto& b : doc.blocks) blockCopies[b.id] = b.repeat;

  Writer w(analysis, usedOutputs, blockCopies);
  w.beginBody(argNames);
  std::map<std::string, std::string> values;  // "<node>.<port>" -> Python expression
  std::map<std::string, Endpoint> outputSources;
  std::vector<std::string> lossNodes;
  auto sourcesOf = [&](const std::string& id, const NodeAnalysis& na) {
    std::vector<std::optional<Endpoint>> sources;
    for (const std::string& port : na.inputNames) {
      std::optional<Endpoint> src;
      for (const auto& e : flat.edges)
        if (e.to.node == id && e.to.port == port) src = e.from;
      sources.push_back(src);
    }
    return sources;
  };
  for (const std::string& id : analysis.order) {
    const NodeAnalysis& na = analysis.nodes.at(id);
    const LayerSpec* spec = na.spec;
    const auto sources = sourcesOf(id, na);
    if (spec->isInput) {
      values[id + "." + spec->outputs.at(0).name] = id;
      continue;
    }
    if (spec->isOutput) {
      if (!sources.empty() && sources[0]) outputSources[id] = *sources[0];
      continue;
    }
    if (spec->isLoss) {
      lossNodes.push_back(id);
      continue;
    }
    if (!spec->toPyTorch)
      return R::error("node " + id + ": " + spec->type + " has no PyTorch mapping");
    std::vector<std::string> inputs;
    for (const auto& src : sources) {
      auto it = src ? values.find(src->toString()) : values.end();
      inputs.push_back(it == values.end() ? "" : it->second);
    }
    w.line("# " + id + ": " + spec->type);
    Status s = runHook(w, id, na, inputs);
    if (!s) return R::error(s.message());
    for (size_t i = 0; i < w.outputs().size(); ++i) {
      const std::string key = id + "." + spec->outputs.at(i).name;
      if (!w.outputs()[i].empty()) values[key] = w.outputs()[i];
      else if (usedOutputs.count(key))
        return R::error("node " + id + ": the PyTorch mapping does not produce output '" +
                        spec->outputs.at(i).name + "'");
    }
  }

  // forward() returns the Output nodes in document order, or the loss input without any.
  std::vector<std::pair<std::string, Endpoint>> returns;  // name, source
  for (const auto& n : flat.nodes) {
    auto it = outputSources.find(n.id);
    if (it != outputSources.end()) returns.push_back({n.id, it->second});
  }
  std::optional<Endpoint> lossInput;
  for (const std::string& id : lossNodes) {
    const auto sources = sourcesOf(id, analysis.nodes.at(id));
    if (!sources.empty() && sources[0]) {
      if (!lossInput) lossInput = sources[0];
      else if (!(*lossInput == *sources[0]))
        return R::error("node " + id + ": the losses read different predictions (" +
                        lossInput->toString() + " and " + sources[0]->toString() +
                        "); the PyTorch export's loss(prediction, target) takes one");
    }
  }
  if (returns.empty() && lossInput) returns.push_back({lossInput->node, *lossInput});
  if (returns.empty())
    return R::error("the graph has no Output node and no loss: nothing to export");
  std::vector<std::string> returnExprs;
  std::string returnDoc;
  for (const auto& [name, src] : returns) {
    auto it = values.find(src.toString());
    auto type = analysis.typeOf(src);
    if (it == values.end() || !type)
      return R::error("node " + name + ": its input " + src.toString() + " is not exportable");
    returnExprs.push_back(it->second);
    returnDoc += (returnDoc.empty() ? "" : ", ") + name + " " + describeType(*type);
  }
  std::vector<std::string> forwardBody = w.body();

  // loss(prediction, target): the sum of the graph's losses, on the one prediction.
  std::vector<std::string> lossBody;
  std::string lossDoc;
  if (!lossNodes.empty()) {
    w.beginBody({"prediction", "target"});
    std::string total;
    for (const std::string& id : lossNodes) {
      const NodeAnalysis& na = analysis.nodes.at(id);
      if (!na.spec->toPyTorch)
        return R::error("node " + id + ": " + na.spec->type + " has no PyTorch mapping");
      Status s = runHook(w, id, na, {"prediction", "target"});
      if (!s) return R::error(s.message());
      if (w.outputs().empty() || w.outputs()[0].empty())
        return R::error("node " + id + ": the PyTorch mapping does not produce the loss");
      total += (total.empty() ? "" : " + ") + w.outputs()[0];
      lossDoc += (lossDoc.empty() ? "" : " + ") + na.spec->type + " (" + id + ")";
    }
    lossBody = w.body();
    lossBody.push_back("return " + total);
  }

  // Assemble the file.
  std::string name = doc.meta.value("name", std::string());
  std::string safeName;
  for (char ch : name) safeName += (ch == '\n' || ch == '\r') ? ' ' : ch;
  std::string quotedName = py::string(safeName);
  std::ostringstream out;
  out << "# Generated by Strata (strata-cli export --pytorch) from the graph " << quotedName
      << ".\n"
      << "# Self-contained: needs only torch. state_dict() keys are Strata's weight keys, so a\n"
      << "# Strata checkpoint (safetensors) loads with model.load_state_dict(weights).\n"
      << "import math\n\n"
      << "import torch\n"
      << "import torch.nn as nn\n"
      << "import torch.nn.functional as F\n\n";
  for (const std::string& h : w.helpers()) out << "\n" << h << "\n";
  out << "\nclass Model(nn.Module):\n";
  std::string docName = quotedName.substr(1, quotedName.size() - 2);  // escapes kept
  for (size_t pos = 0; (pos = docName.find("\"\"\"", pos)) != std::string::npos; pos += 4)
    docName.replace(pos, 3, "\\\"\"\"");
  out << "    \"\"\"Graph '" << docName << "', exported by Strata.\n\n"
      << "    forward(" ;
  {
    bool first = true;
    for (const std::string& id : model.inputNames()) {
      out << (first ? "" : ", ") << id;
      first = false;
    }
  }
  out << ") returns " << (returns.size() == 1 ? "" : "a tuple: ") << returnDoc << ".\n";
  if (!lossNodes.empty()) out << "    loss(prediction, target): " << lossDoc << ".\n";
  out << "    Batch-first tensors, as in Strata; call model.eval() for inference.\n"
      << "    \"\"\"\n\n"
      << "    def __init__(self):\n"
      << "        super().__init__()\n";
  for (const std::string& l : w.initLines()) out << "        " << l << "\n";
  out << "\n    def forward(self";
  for (const std::string& id : model.inputNames()) out << ", " << id;
  out << "):\n";
  {
    std::string argDoc;
    for (const std::string& id : model.inputNames())
      argDoc += (argDoc.empty() ? "" : ", ") + id + " " + describeType(model.inputType(id));
    out << "        \"\"\"" << (argDoc.empty() ? "No inputs" : argDoc) << " -> " << returnDoc
        << "\"\"\"\n";
  }
  for (const std::string& l : forwardBody) out << indent(l, 8);
  if (returnExprs.size() == 1) {
    out << "        return " << returnExprs[0] << "\n";
  } else {
    out << "        return (";
    for (size_t i = 0; i < returnExprs.size(); ++i) out << (i ? ", " : "") << returnExprs[i];
    out << ")\n";
  }
  if (!lossNodes.empty()) {
    out << "\n    def loss(self, prediction, target):\n"
        << "        \"\"\"" << lossDoc
        << ", mean reduction, as Strata computes it during training.\"\"\"\n";
    for (const std::string& l : lossBody) out << indent(l, 8);
  }
  return out.str();
}

Status exportPyTorch(const GraphDocument& doc, const Model& model, const std::string& path) {
  auto code = exportPyTorchCode(doc, model);
  if (!code) return code.status();
  return writeFileAtomically(path, *code);
}

}  // namespace strata
