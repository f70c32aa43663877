// Trainer checkpoints: weights as safetensors (metadata: step, epoch, best_val_loss) and the
// optimizer state in a second safetensors file next to them.
#include <cmath>
#include <filesystem>
#include <map>

#include "graph/model.h"
#include "io/safetensors.h"
#include "train/trainer.h"

namespace strata {

std::string Trainer::optimizerStatePath(const std::string& weightsPath) {
  const std::string ext = ".safetensors";
  if (weightsPath.size() > ext.size() &&
      weightsPath.compare(weightsPath.size() - ext.size(), ext.size(), ext) == 0)
    return weightsPath.substr(0, weightsPath.size() - ext.size()) + ".optim" + ext;
  return weightsPath + ".optim.safetensors";
}

Status Trainer::saveCheckpoint(const std::string& path) const {
  const int64_t step = m_step;
  std::map<std::string, std::string> meta{
      {"format", "strata-checkpoint"},
      {"step", std::to_string(step)},
      {"epoch", std::to_string(m_stepsPerEpoch ? step / m_stepsPerEpoch : 0)},
      {"optimizer", m_optimizer->name()}};
  if (!std::isnan(m_bestValLoss)) meta["best_val_loss"] = std::to_string(m_bestValLoss);
  // Each file is replaced atomically; the optimizer state goes first and names its step, so a
  // kill between the two renames is recognised at resume instead of pairing states of two steps.
  Status st = saveSafetensors(optimizerStatePath(path), m_optimizer->state(),
                              {{"optimizer", m_optimizer->name()}, {"step", std::to_string(step)}});
  if (!st) return st;
  return saveSafetensors(path, m_params, meta);
}

Status Trainer::saveBest(const std::string& path) const {
  if (m_best.empty()) return saveSafetensors(path, m_params, {{"step", std::to_string(m_step)}});
  return saveSafetensors(
      path, m_best,
      {{"step", std::to_string(m_bestStep)}, {"best_val_loss", std::to_string(m_bestValLoss)}});
}

Status Trainer::resumeFrom(const std::string& path) {
  auto file = loadSafetensors(path);
  if (!file) return file.status();
  int64_t step = 0;
  auto it = file->metadata.find("step");
  if (it != file->metadata.end()) {
    try {
      step = std::stoll(it->second);
    } catch (const std::exception&) {
      return Status::error(path + ": metadata 'step' is not a number: " + it->second);
    }
  }
  if (step < 0) return Status::error(path + ": metadata 'step' is negative");
  std::vector<NamedTensor> params = m_params;
  Status st = assignTensors(file->tensors, params);
  if (!st) return Status::error(path + ": " + st.message());
  for (size_t i = 0; i < params.size(); ++i)  // in case assignTensors replaced the handles
    if (!params[i].tensor.sameAs(m_params[i].tensor)) m_params[i].tensor.copyFrom(params[i].tensor);
  const std::string optPath = optimizerStatePath(path);
  if (std::filesystem::exists(optPath)) {
    auto opt = loadSafetensors(optPath);
    if (!opt) return opt.status();
    auto optStep = opt->metadata.find("step");  // absent in checkpoints of older versions
    if (optStep != opt->metadata.end() && optStep->second != std::to_string(step))
      return Status::error(optPath + ": the optimizer state is from step " + optStep->second +
                           " but " + path + " holds the weights of step " +
                           std::to_string(step) +
                           " (a save was interrupted); resume from another checkpoint or move "
                           "the optimizer file away to restart the optimizer's moments");
    st = m_optimizer->loadState(opt->tensors);
    if (!st) return Status::error(optPath + ": " + st.message());
  }
  m_step = step;
  return Status::ok();
}

}  // namespace strata
