// Import-time evaluation for the general ONNX importer (general_importer.cpp): the ops whose
// inputs are all known when importing (initializers, Constants, shapes the importer tracks) are
// computed here, so shape arithmetic such as Shape -> Slice -> Concat -> Reshape, Size,
// ConstantOfShape and Range leaves no layer behind. Also the node-attribute readers both share.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace strata::onnx_import {

// Why one node cannot import; the importer prefixes the node's name and op.
class NodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name);
int64_t intAttr(const onnx::NodeProto& n, const std::string& name, int64_t def);
float floatAttr(const onnx::NodeProto& n, const std::string& name, float def);
std::string strAttr(const onnx::NodeProto& n, const std::string& name,
                    const std::string& def = "");
std::optional<std::vector<int64_t>> intsAttr(const onnx::NodeProto& n, const std::string& name);

// `axis` in [-rank, rank) as a dim index; NodeError when out of range.
int normAxis(int64_t axis, size_t rank);
// The values of an int64 (or float, rounded) tensor.
std::vector<int64_t> intsOf(const Tensor& t);

// The output shape of Reshape/Flatten/Squeeze/Unsqueeze `n` for an input of shape `s` (-1 where
// unknown). `operand` is n's constant second input (Reshape's shape, the axes of opset 13), or
// null. origin[i] is the input dim that output dim i keeps in place, or -1.
Shape reshapeTarget(const onnx::NodeProto& n, const Shape& s, const Tensor* operand,
                    std::vector<int>* origin = nullptr);

// n's outputs computed from its inputs, all constant (null: an omitted optional input);
// nullopt when n's op is not one evaluated here (the importer then writes it as layers).
// NodeError when the op folds but these inputs are invalid for it.
std::optional<std::vector<Tensor>> foldNode(const onnx::NodeProto& n,
                                            const std::vector<const Tensor*>& inputs);

}  // namespace strata::onnx_import
