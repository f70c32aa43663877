// Optimizer base: parameter bookkeeping, freezing and checkpoint state; makeOptimizer().
#include "train/optimizer.h"

#include <map>

#include "tensor/autograd.h"
#include "train/adam.h"
#include "train/sgd.h"
#include "train/train_settings.h"

namespace strata {

Optimizer::Optimizer(std::vector<NamedTensor> params, double lr)
    : m_params(std::move(params)), m_state(m_params.size()), m_lr(lr) {}

void Optimizer::step() {
  NoGradGuard noGrad;
  for (size_t i = 0; i < m_params.size(); ++i) {
    Tensor& p = m_params[i].tensor;
    Tensor g = p.grad();
    if (!g.defined() || isFrozen(m_params[i].name)) continue;
    ParamState& s = m_state[i];
    if (s.buffers.empty()) s.buffers.resize(bufferNames().size());
    update(p, g, s);
  }
  ++m_steps;
}

void Optimizer::zeroGrad() {
  for (auto& p : m_params) p.tensor.zeroGrad();
}

void Optimizer::setFrozen(const std::string& paramName, bool frozen) {
  if (frozen)
    m_frozen.insert(paramName);
  else
    m_frozen.erase(paramName);
}

std::vector<NamedTensor> Optimizer::state() const {
  std::vector<NamedTensor> out;
  const auto names = bufferNames();
  for (size_t i = 0; i < m_params.size(); ++i) {
    const ParamState& s = m_state[i];
    out.push_back(
        {m_params[i].name + ".step", Tensor::fromVector({}, std::vector<int64_t>{s.steps})});
    for (size_t b = 0; b < s.buffers.size(); ++b)
      if (s.buffers[b].defined())
        out.push_back({m_params[i].name + "." + names[b], s.buffers[b].clone()});
  }
  out.push_back({"__optimizer_steps", Tensor::fromVector({}, std::vector<int64_t>{m_steps})});
  return out;
}

Status Optimizer::loadState(const std::vector<NamedTensor>& state) {
  std::map<std::string, const Tensor*> byName;
  for (const auto& t : state) byName[t.name] = &t.tensor;
  const auto names = bufferNames();
  std::vector<ParamState> loaded(m_params.size());
  size_t used = 0;
  auto intScalar = [](const Tensor& t) { return t.dtype() == DType::Int64 && t.numel() == 1; };
  for (size_t i = 0; i < m_params.size(); ++i) {
    const std::string& pn = m_params[i].name;
    auto st = byName.find(pn + ".step");
    if (st == byName.end()) return Status::error("optimizer state: missing '" + pn + ".step'");
    if (!intScalar(*st->second))
      return Status::error("optimizer state: '" + pn + ".step' must be an int64 scalar");
    loaded[i].steps = st->second->i64()[0];
    ++used;
    loaded[i].buffers.resize(names.size());
    for (size_t b = 0; b < names.size(); ++b) {
      auto it = byName.find(pn + "." + names[b]);
      if (it == byName.end()) continue;  // not created yet (no step with a gradient)
      const Tensor& t = *it->second;
      if (t.dtype() != DType::Float32 || t.shape() != m_params[i].tensor.shape())
        return Status::error("optimizer state: '" + it->first + "' is " + describe(t) +
                             ", the parameter is " + describe(m_params[i].tensor));
      loaded[i].buffers[b] = t.clone();
      ++used;
    }
  }
  auto total = byName.find("__optimizer_steps");
  if (total == byName.end() || !intScalar(*total->second))
    return Status::error("optimizer state: missing int64 '__optimizer_steps'");
  ++used;
  if (used != byName.size()) {
    for (const auto& [name, _] : byName) {
      bool known = name == "__optimizer_steps";
      for (const auto& p : m_params)
        if (name.rfind(p.name + ".", 0) == 0) known = true;
      if (!known) return Status::error("optimizer state: unknown entry '" + name + "'");
    }
    return Status::error("optimizer state: entries that this optimizer (" + std::string(name()) +
                         ") does not use");
  }
  m_state = std::move(loaded);
  m_steps = total->second->i64()[0];
  return Status::ok();
}

Result<std::unique_ptr<Optimizer>> makeOptimizer(const TrainSettings& s,
                                                 std::vector<NamedTensor> params) {
  const double wd = s.effectiveWeightDecay();
  std::unique_ptr<Optimizer> opt;
  if (s.optimizer == "sgd")
    opt = std::make_unique<Sgd>(std::move(params), s.lr, s.momentum, s.nesterov, wd);
  else if (s.optimizer == "adam")
    opt = std::make_unique<Adam>(std::move(params), s.lr, s.beta1, s.beta2, s.eps, wd);
  else if (s.optimizer == "adamw")
    opt = std::make_unique<AdamW>(std::move(params), s.lr, s.beta1, s.beta2, s.eps, wd);
  else
    return Result<std::unique_ptr<Optimizer>>::error("unknown optimizer '" + s.optimizer +
                                                     "' (expected sgd, adam or adamw)");
  return opt;
}

}  // namespace strata
