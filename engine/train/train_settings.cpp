// TrainSettings JSON mapping and validation.
#include "train/train_settings.h"

#include <cmath>
#include <functional>
#include <map>

#include "tensor/device.h"

namespace strata {
namespace {

using Json = nlohmann::json;

std::string show(const Json& v) { return v.dump(); }

Status expectNumber(const std::string& key, const Json& v, double& out) {
  if (!v.is_number())
    return Status::error("training." + key + ": expected a number, got " + show(v));
  out = v.get<double>();
  if (!std::isfinite(out)) return Status::error("training." + key + ": must be finite");
  return Status::ok();
}

Status expectInt(const std::string& key, const Json& v, int64_t& out) {
  if (v.is_number_integer()) {
    out = v.get<int64_t>();
    return Status::ok();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      out = static_cast<int64_t>(d);
      return Status::ok();
    }
  }
  return Status::error("training." + key + ": expected an integer, got " + show(v));
}

Status expectString(const std::string& key, const Json& v, std::string& out) {
  if (!v.is_string())
    return Status::error("training." + key + ": expected a string, got " + show(v));
  out = v.get<std::string>();
  return Status::ok();
}

Status expectBool(const std::string& key, const Json& v, bool& out) {
  if (v.is_boolean()) {
    out = v.get<bool>();
    return Status::ok();
  }
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    if (s == "on" || s == "true") {
      out = true;
      return Status::ok();
    }
    if (s == "off" || s == "false") {
      out = false;
      return Status::ok();
    }
  }
  return Status::error("training." + key + ": expected on/off (or true/false), got " + show(v));
}

bool oneOf(const std::string& s, std::initializer_list<const char*> choices) {
  for (const char* c : choices)
    if (s == c) return true;
  return false;
}

}  // namespace

Result<TrainSettings> TrainSettings::fromJson(const Json& j, TrainSettings s) {
  if (j.is_null()) return s;
  if (!j.is_object()) return Result<TrainSettings>::error("training: expected an object");
  using Setter = std::function<Status(const Json&)>;
  auto intKey = [&](const char* k, int64_t& dst) -> Setter {
    return [k, &dst](const Json& v) { return expectInt(k, v, dst); };
  };
  auto numKey = [&](const char* k, double& dst) -> Setter {
    return [k, &dst](const Json& v) { return expectNumber(k, v, dst); };
  };
  auto strKey = [&](const char* k, std::string& dst) -> Setter {
    return [k, &dst](const Json& v) { return expectString(k, v, dst); };
  };
  auto boolKey = [&](const char* k, bool& dst) -> Setter {
    return [k, &dst](const Json& v) { return expectBool(k, v, dst); };
  };
  const std::map<std::string, Setter> setters = {
      {"data", strKey("data", s.data)},
      {"epochs", intKey("epochs", s.epochs)},
      {"steps", intKey("steps", s.steps)},
      {"batch", intKey("batch", s.batch)},
      {"lr", numKey("lr", s.lr)},
      {"optimizer", strKey("optimizer", s.optimizer)},
      {"momentum", numKey("momentum", s.momentum)},
      {"nesterov", boolKey("nesterov", s.nesterov)},
      {"weight_decay",
       [&s](const Json& v) -> Status {
         if (v.is_null()) {
           s.weightDecay.reset();
           return Status::ok();
         }
         double d = 0;
         Status st = expectNumber("weight_decay", v, d);
         if (st) s.weightDecay = d;
         return st;
       }},
      {"betas",
       [&s](const Json& v) -> Status {
         if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
           return Status::error("training.betas: expected [beta1, beta2], got " + show(v));
         s.beta1 = v[0].get<double>();
         s.beta2 = v[1].get<double>();
         return Status::ok();
       }},
      {"eps", numKey("eps", s.eps)},
      {"shuffle", boolKey("shuffle", s.shuffle)},
      {"val_split", numKey("val_split", s.valSplit)},
      {"seed",
       [&s](const Json& v) -> Status {
         int64_t seed = 0;
         if (v.is_number_unsigned()) {
           s.seed = v.get<uint64_t>();
           return Status::ok();
         }
         Status st = expectInt("seed", v, seed);
         if (!st) return st;
         if (seed < 0) return Status::error("training.seed: must be >= 0, got " + show(v));
         s.seed = static_cast<uint64_t>(seed);
         return Status::ok();
       }},
      {"clip_grad_norm", numKey("clip_grad_norm", s.clipGradNorm)},
      {"schedule", strKey("schedule", s.schedule)},
      {"warmup_steps", intKey("warmup_steps", s.warmupSteps)},
      {"step_size", intKey("step_size", s.stepSize)},
      {"gamma", numKey("gamma", s.gamma)},
      {"seq_len", intKey("seq_len", s.seqLen)},
      {"val_every", intKey("val_every", s.valEvery)},
      {"device", strKey("device", s.device)},
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto setter = setters.find(it.key());
    if (setter == setters.end()) {
      std::string known;
      for (const auto& [k, _] : setters) known += (known.empty() ? "" : ", ") + k;
      return Result<TrainSettings>::error("training: unknown setting '" + it.key() +
                                          "' (known: " + known + ")");
    }
    Status st = setter->second(it.value());
    if (!st) return st;
  }
  return s;
}

Result<TrainSettings> TrainSettings::fromJson(const Json& j) {
  return fromJson(j, TrainSettings{});
}

Result<TrainSettings> TrainSettings::merged(const Json& fileSettings, const Json& overrides) {
  auto fromFile = fromJson(fileSettings);
  if (!fromFile) return fromFile.status();
  auto all = fromJson(overrides, *fromFile);
  if (!all) return all.status();
  Status st = all->validate();
  if (!st) return st;
  return all;
}

Json TrainSettings::toJson() const {
  Json j = Json::object();
  j["data"] = data;
  j["epochs"] = epochs;
  j["steps"] = steps;
  j["batch"] = batch;
  j["lr"] = lr;
  j["optimizer"] = optimizer;
  j["momentum"] = momentum;
  j["nesterov"] = nesterov;
  j["weight_decay"] = weightDecay ? Json(*weightDecay) : Json(nullptr);
  j["betas"] = Json::array({beta1, beta2});
  j["eps"] = eps;
  j["shuffle"] = shuffle;
  j["val_split"] = valSplit;
  j["seed"] = seed;
  j["clip_grad_norm"] = clipGradNorm;
  j["schedule"] = schedule;
  j["warmup_steps"] = warmupSteps;
  j["step_size"] = stepSize;
  j["gamma"] = gamma;
  j["seq_len"] = seqLen;
  j["val_every"] = valEvery;
  j["device"] = device;
  return j;
}

Status TrainSettings::validate() const {
  auto fail = [](const std::string& m) { return Status::error(m); };
  auto num = [](double d) {
    std::string s = std::to_string(d);
    return s;
  };
  if (data.empty()) return fail("data: a data spec is required (sine, text:FILE, csv:FILE, ...)");
  if (steps < 0) return fail("steps must be >= 0, got " + std::to_string(steps));
  if (steps == 0 && epochs < 1)
    return fail("epochs must be >= 1 (or give steps), got " + std::to_string(epochs));
  if (batch < 1) return fail("batch must be >= 1, got " + std::to_string(batch));
  if (!(lr > 0)) return fail("lr must be > 0, got " + num(lr));
  if (!oneOf(optimizer, {"sgd", "adam", "adamw"}))
    return fail("optimizer must be sgd, adam or adamw, got '" + optimizer + "'");
  if (momentum < 0 || momentum >= 1)
    return fail("momentum must be in [0, 1), got " + num(momentum));
  if (nesterov && optimizer != "sgd") return fail("nesterov applies to the sgd optimizer only");
  if (nesterov && momentum <= 0) return fail("nesterov needs momentum > 0");
  if (effectiveWeightDecay() < 0)
    return fail("weight_decay must be >= 0, got " + num(effectiveWeightDecay()));
  if (beta1 < 0 || beta1 >= 1) return fail("betas[0] must be in [0, 1), got " + num(beta1));
  if (beta2 < 0 || beta2 >= 1) return fail("betas[1] must be in [0, 1), got " + num(beta2));
  if (!(eps > 0)) return fail("eps must be > 0");
  if (valSplit < 0 || valSplit >= 1)
    return fail("val_split must be in [0, 1), got " + num(valSplit));
  if (clipGradNorm < 0) return fail("clip_grad_norm must be >= 0 (0 turns it off)");
  if (!oneOf(schedule, {"constant", "step", "cosine", "linear-warmup"}))
    return fail("schedule must be constant, step, cosine or linear-warmup, got '" + schedule + "'");
  if (warmupSteps < 0) return fail("warmup_steps must be >= 0");
  if (schedule == "linear-warmup" && warmupSteps < 1)
    return fail("schedule linear-warmup needs warmup_steps >= 1");
  if (stepSize < 1) return fail("step_size must be >= 1, got " + std::to_string(stepSize));
  if (!(gamma > 0)) return fail("gamma must be > 0, got " + num(gamma));
  if (seqLen < 1) return fail("seq_len must be >= 1, got " + std::to_string(seqLen));
  if (valEvery < 0) return fail("val_every must be >= 0");
  if (!Device::parse(device))
    return fail("device must be cpu, cuda or cuda:N, got '" + device + "'");
  return Status::ok();
}

}  // namespace strata
