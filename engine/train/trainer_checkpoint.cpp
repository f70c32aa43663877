// Trainer checkpoints: weights as safetensors (metadata: step, epoch, best_val_loss) and the
// optimizer state in a second safetensors file next to them.
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>

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

std::string Trainer::previousOptimizerStatePath(const std::string& weightsPath) {
  const std::string opt = optimizerStatePath(weightsPath);
  return opt.substr(0, opt.size() - std::string(".safetensors").size()) + ".prev.safetensors";
}

Status Trainer::saveCheckpoint(const std::string& path) const {
  const int64_t step = m_step;
  std::map<std::string, std::string> meta{
      {"format", "strata-checkpoint"},
      {"step", std::to_string(step)},
      {"epoch", std::to_string(m_stepsPerEpoch ? step / m_stepsPerEpoch : 0)},
      {"optimizer", m_optimizer->name()}};
  if (!std::isnan(m_bestValLoss)) meta["best_val_loss"] = std::to_string(m_bestValLoss);
  // Each file is replaced atomically, but the pair is two renames. The optimizer state names its
  // step, and until the new weights are in place the previous state stays next to them as
  // <stem>.optim.prev.safetensors (a hard link, so no copy): a kill between the renames leaves
  // weights of the old step with a state of the new one, and resume takes the previous state,
  // which belongs to those weights. Once the weights are renamed the previous state goes away.
  const std::string optPath = optimizerStatePath(path);
  const std::string prevPath = previousOptimizerStatePath(path);
  std::error_code ec;
  if (std::filesystem::exists(optPath, ec)) {
    const std::string linkTmp = prevPath + ".tmp";
    std::filesystem::remove(linkTmp, ec);
    std::filesystem::create_hard_link(optPath, linkTmp, ec);
    if (ec)  // a file system without hard links: copy instead
      std::filesystem::copy_file(optPath, linkTmp,
                                 std::filesystem::copy_options::overwrite_existing, ec);
    if (!ec) std::filesystem::rename(linkTmp, prevPath, ec);
    if (ec) {
      std::filesystem::remove(linkTmp, ec);
      return Status::error(prevPath + ": cannot keep the previous optimizer state while saving (" +
                           ec.message() + ")");
    }
  }
  Status st = saveSafetensors(optPath, m_optimizer->state(),
                              {{"optimizer", m_optimizer->name()}, {"step", std::to_string(step)}});
  if (!st) return st;
  st = saveSafetensors(path, m_params, meta);
  if (!st) return st;
  std::filesystem::remove(prevPath, ec);  // the pair is whole again
  return Status::ok();
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
  std::string optPath = optimizerStatePath(path);
  if (std::filesystem::exists(optPath)) {
    auto opt = loadSafetensors(optPath);
    if (!opt) return opt.status();
    const auto stepOf = [](const TensorFile& f) {
      auto s = f.metadata.find("step");  // absent in checkpoints of older versions
      return s == f.metadata.end() ? std::optional<std::string>() : s->second;
    };
    if (auto optStep = stepOf(*opt); optStep && *optStep != std::to_string(step)) {
      // A save killed between its two renames: the state of the weights' step is still kept
      // as the previous state.
      const std::string prevPath = previousOptimizerStatePath(path);
      std::optional<TensorFile> prev;
      if (std::filesystem::exists(prevPath)) {
        auto loaded = loadSafetensors(prevPath);
        if (loaded && stepOf(*loaded) == std::to_string(step)) prev = std::move(*loaded);
      }
      if (!prev)
        return Status::error(optPath + ": the optimizer state is from step " + *optStep +
                             " but " + path + " holds the weights of step " +
                             std::to_string(step) +
                             " (a save was interrupted); resume from another checkpoint or move "
                             "the optimizer file away to restart the optimizer's moments");
      opt = std::move(*prev);
      optPath = prevPath;
    }
    st = m_optimizer->loadState(opt->tensors);
    if (!st) return Status::error(optPath + ": " + st.message());
  }
  m_step = step;
  return Status::ok();
}

}  // namespace strata
