#include "tensor/autograd.h"

#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "backends/backend.h"

namespace strata {
namespace {

thread_local bool t_gradEnabled = true;

struct LambdaNode final : Node {
  const char* opName = "";
  BackwardFn fn;
  std::vector<Tensor> backward(const std::vector<Tensor>& g) override { return fn(g); }
  const char* name() const override { return opName; }
};

// dst += src, elementwise (same numel).
void accumulateInto(Tensor& dst, const Tensor& src) {
  if (!dst.isCpu()) return backendFor(dst.device()).accumulate(dst, src);
  float* d = dst.f32();
  const float* s = src.f32();
  const int64_t n = dst.numel();
#pragma omp parallel for simd if (n > 32768)
  for (int64_t i = 0; i < n; ++i) d[i] += s[i];
}

}  // namespace

bool gradEnabled() { return t_gradEnabled; }

NoGradGuard::NoGradGuard() : m_previous(t_gradEnabled) { t_gradEnabled = false; }
NoGradGuard::~NoGradGuard() { t_gradEnabled = m_previous; }

bool needsGrad(std::initializer_list<const Tensor*> tensors) {
  if (!t_gradEnabled) return false;
  for (const Tensor* t : tensors)
    if (t && t->defined() && t->requiresGrad()) return true;
  return false;
}

bool needsGrad(const std::vector<Tensor>& tensors) {
  if (!t_gradEnabled) return false;
  for (const Tensor& t : tensors)
    if (t.defined() && t.requiresGrad()) return true;
  return false;
}

bool recordOp(const char* name, const std::vector<Tensor>& inputs,
              const std::vector<Tensor*>& outputs, BackwardFn backward) {
  if (!needsGrad(inputs)) return false;
  auto node = std::make_shared<LambdaNode>();
  node->opName = name;
  node->fn = std::move(backward);
  node->inputs = inputs;
  node->numOutputs = static_cast<int>(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i] || !outputs[i]->defined()) continue;
    TensorImpl* impl = outputs[i]->impl();
    impl->requiresGrad = true;
    impl->gradFn = node;
    impl->outputIndex = static_cast<int>(i);
  }
  return true;
}

Tensor gradOrZeros(const Tensor& g, const Tensor& like) {
  return g.defined() ? g : Tensor::zeros(like.shape(), DType::Float32, like.device());
}

void Tensor::backward(const Tensor& seed) {
  NoGradGuard noGrad;  // backward functions compute plain values, never new history
  Tensor root = seed.defined() ? seed : Tensor::full(shape(), 1.0f, device());
  if (!requiresGrad()) return;
  if (isLeaf()) {
    if (m_impl->grad) {
      Tensor g(m_impl->grad);
      accumulateInto(g, root);
    } else {
      m_impl->grad = root.clone().implPtr();
    }
    return;
  }
  // Topological order of the nodes reachable from this tensor (iterative DFS, post-order).
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack{{m_impl->gradFn.get(), 0}};
  seen.insert(m_impl->gradFn.get());
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Tensor& in = node->inputs[next++];
      if (in.defined() && in.impl()->gradFn && !seen.count(in.impl()->gradFn.get())) {
        seen.insert(in.impl()->gradFn.get());
        stack.push_back({in.impl()->gradFn.get(), 0});
      }
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  std::unordered_map<Node*, std::vector<Tensor>> pending;
  pending[m_impl->gradFn.get()].resize(m_impl->gradFn->numOutputs);
  pending[m_impl->gradFn.get()][m_impl->outputIndex] = root;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* node = *it;
    auto found = pending.find(node);
    if (found == pending.end()) continue;
    std::vector<Tensor> gradOut = std::move(found->second);
    pending.erase(found);
    gradOut.resize(node->numOutputs);
    std::vector<Tensor> gradIn = node->backward(gradOut);
    for (size_t i = 0; i < node->inputs.size() && i < gradIn.size(); ++i) {
      const Tensor& in = node->inputs[i];
      const Tensor& g = gradIn[i];
      if (!g.defined() || !in.defined() || !in.requiresGrad()) continue;
      if (g.numel() != in.numel())
        throw std::logic_error(std::string("autograd: gradient of '") + node->name() +
                               "' input " + std::to_string(i) + " has the wrong size");
      if (in.impl()->gradFn) {
        auto& slot = pending[in.impl()->gradFn.get()];
        slot.resize(in.impl()->gradFn->numOutputs);
        Tensor& acc = slot[in.impl()->outputIndex];
        if (!acc.defined()) {
          acc = g;
        } else {
          // Gradients may alias each other (reshape views, ops passing a gradient through):
          // accumulate in place only into storage nobody else can see.
          if (acc.impl()->storage.use_count() > 1) acc = acc.clone();
          accumulateInto(acc, g);
        }
      } else {
        TensorImpl* leaf = in.impl();
        if (!leaf->grad) {
          leaf->grad = g.clone().reshape(in.shape()).implPtr();
        } else {
          Tensor acc(leaf->grad);
          accumulateInto(acc, g);
        }
      }
    }
  }
}

}  // namespace strata
