// The interface a layer family uses to write its PyTorch mapping (LayerSpec::toPyTorch): a
// constructor for the node's submodule (named by the node id, so state_dict keys are Strata's
// weight keys) and the lines of Python that compute its outputs in forward(). The exporter
// (engine/io/pytorch/exporter.cpp) implements it and assembles one self-contained .py file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/export_node.h"

namespace strata {

struct TensorType;

// The node being exported (nodeId, params, inputTypes, outputTypes) comes from ExportNode;
// input(i) is the Python variable holding input slot i (for a loss, slot 0 is `prediction` and
// slot 1, the target, is `target`).
class PyTorchContext : public ExportNode {
 public:
  // Whether output port i feeds anything (an edge, an Output node or a loss).
  virtual bool outputUsed(size_t i) const = 0;
  // Declares the node's submodule from a Python constructor expression ("nn.Linear(4, 8)") and
  // returns the expression that reaches it in forward ("self.fc1", "self.layers[0]['layer']").
  // At most once per node; a node without weights may skip it.
  virtual std::string module(const std::string& constructor) = 0;
  // Appends one line of Python to the body being written (forward, or loss for a loss node).
  virtual void line(const std::string& code) = 0;
  // A fresh local variable name built from `hint` (a Python identifier).
  virtual std::string var(const std::string& hint) = 0;
  // Declares the Python expression (usually a variable) that carries output port i.
  virtual void setOutput(size_t i, const std::string& expr) = 0;
  // Adds a top-level helper (function or class) once, under its name; later calls with the same
  // name are ignored.
  virtual void helper(const std::string& name, const std::string& code) = 0;

  // Writes `<fresh variable> = expr` and makes it output port 0: a single-output layer's line.
  void assignOutput(const std::string& expr) {
    const std::string y = var(nodeId());
    line(y + " = " + expr);
    setOutput(0, y);
  }
};

// Python literals for generated code.
namespace py {
std::string boolean(bool v);                // True / False
std::string number(double v);               // shortest text that reads back as the same double
std::string integer(int64_t v);
std::string string(const std::string& v);   // '...' with escapes
// The causal-mask helper (`_causal_mask(t, s, device)`: True above the diagonal = hidden),
// registered on first use; returns the call for query length `t` and key length `s` (Python
// expressions).
std::string causalMask(PyTorchContext& c, const std::string& t, const std::string& s,
                       const std::string& device);
// `mask != 0` as a bool tensor (Strata's padding masks: nonzero = padding, int64 or float);
// empty stays empty.
std::string paddingMask(const std::string& mask);
}  // namespace py

}  // namespace strata
