// train.ipynb of the PyTorch project: the training run as a notebook (nbformat 4) for a class:
// one cell per part (settings, data, model, a training loop with a live loss plot, sampling for a
// character model, saving), built on the project's data.py, model.py and train.py.
#include <nlohmann/json.hpp>

#include "io/pytorch/project_parts.h"
#include "io/pytorch/pytorch_context.h"

namespace strata::pyproject {

namespace {

using Json = nlohmann::json;

Json cell(const std::string& type, const std::string& source, int index) {
  Json lines = Json::array();
  for (size_t start = 0; start < source.size();) {
    const size_t end = source.find('\n', start);
    const size_t stop = end == std::string::npos ? source.size() : end + 1;
    lines.push_back(source.substr(start, stop - start));
    start = stop;
  }
  Json c = {{"cell_type", type}, {"id", "cell-" + std::to_string(index)},
            {"metadata", Json::object()}, {"source", lines}};
  if (type == "code") {
    c["execution_count"] = nullptr;
    c["outputs"] = Json::array();
  }
  return c;
}

constexpr const char* kSetup = R"PY(import matplotlib.pyplot as plt
import torch
from IPython.display import clear_output

import train  # this folder's train.py: the settings, the schedule, checkpoints
from data import StrataSampler, load_dataset
from model import Model

args = train.parse_args([])  # the graph's training settings; change any of them here
torch.manual_seed(args.seed)  # dropout masks
args.steps = 200  # a short run for the class; 0 trains for args.epochs epochs
)PY";

constexpr const char* kData = R"PY(dataset = load_dataset(args.seed)
train_idx, val_idx = dataset.split(args.val_split, args.seed, args.shuffle == "on")
print(dataset.description)
print(f"{len(train_idx)} training / {len(val_idx)} validation samples")
x, y = dataset[0]
print("sample 0:", list(x.shape), x.dtype, "->", list(y.shape), y.dtype)
)PY";

constexpr const char* kShowText =
    R"PY(print(repr("".join(dataset.vocab[int(i)] for i in x)))  # the characters of sample 0
)PY";

constexpr const char* kModel = R"PY(model = Model()
weights, _ = train.load_safetensors(args.weights)  # the starting weights from Strata
model.load_state_dict(weights)
print(model)
print(sum(p.numel() for p in model.parameters()), "parameters")
)PY";

constexpr const char* kTrainLoop = R"PY(optimizer = train.make_optimizer(model, args)
steps_per_epoch = -(-len(train_idx) // args.batch)
total_steps = args.steps if args.steps > 0 else args.epochs * steps_per_epoch
val_every = args.val_every if args.val_every > 0 else steps_per_epoch
sampler = StrataSampler(train_idx, args.seed, args.shuffle == "on")  # Strata's sample order
loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, sampler=sampler)
losses, val_steps, val_losses = [], [], []
step = 0
while step < total_steps:
    sampler.set_epoch(step // steps_per_epoch)
    for x, y in loader:  # x: [B, @INPUT@], y: [B, @TARGET@]
        for group in optimizer.param_groups:
            group["lr"] = train.learning_rate(step, args, total_steps)
        optimizer.zero_grad()
        prediction = model(x)@INDEX@  # @PREDICTION_SHAPE@
        loss = model.loss(prediction, y)
        loss.backward()
        if args.clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad_norm)
        optimizer.step()
        step += 1
        losses.append(loss.item())
        if val_idx and (step % val_every == 0 or step == total_steps):
            val_steps.append(step)
            val_losses.append(train.evaluate(model, dataset, val_idx, args.batch, "cpu")[0])
        if step % 10 == 0 or step == total_steps:  # redraw the plot
            clear_output(wait=True)
            plt.plot(range(1, step + 1), losses, label="training loss")
            plt.plot(val_steps, val_losses, "o-", label="validation loss")
            plt.xlabel("step")
            plt.legend()
            plt.show()
            print(f"step {step}/{total_steps}  loss {losses[-1]:.4f}")
        if step == total_steps:
            break
)PY";

constexpr const char* kSample = R"PY(def sample(prompt, length=200, temperature=0.8):
    """The prompt and `length` more characters: each drawn from softmax(logits / temperature)
    for the last @CONTEXT@ characters (the context the model was trained on)."""
    index = {c: k for k, c in enumerate(dataset.vocab)}
    ids = [index[c] for c in prompt]
    model.eval()
    with torch.no_grad():
        for _ in range(length):
            logits = model(torch.tensor([ids[-@CONTEXT@:]]))@INDEX@[0, -1]  # [vocabulary]
            ids.append(int(torch.multinomial(torch.softmax(logits / temperature, dim=-1), 1)))
    model.train()
    return "".join(dataset.vocab[i] for i in ids)


print(sample("".join(dataset.vocab[int(i)] for i in dataset.inputs[0][:8])))
)PY";

constexpr const char* kSave = R"PY(train.save_checkpoint("notebook.safetensors", model, optimizer, step, steps_per_epoch)
# Back in Strata: strata-cli run/sample GRAPH --weights notebook.safetensors, or Load weights.
)PY";

}  // namespace

std::string notebookJson(const ProjectInfo& p) {
  const std::map<std::string, std::string> values = {
      {"@INPUT@", pyList(p.inputShape).substr(1, pyList(p.inputShape).size() - 2)},
      {"@TARGET@", pyList(p.targetShape).substr(1, pyList(p.targetShape).size() - 2)},
      {"@INDEX@", p.predictionIndex},
      {"@PREDICTION_SHAPE@", p.predictionShape + ": the loss's input"},
      {"@CONTEXT@", std::to_string(p.sampleContext)}};
  Json cells = Json::array();
  auto add = [&](const std::string& type, const std::string& source) {
    cells.push_back(cell(type, fill(source, values), static_cast<int>(cells.size())));
  };
  add("markdown", "# " + p.graphName +
                      ": training in PyTorch\n\n"
                      "Exported by Strata. Run the cells from top to bottom: they train the graph "
                      "as `strata-cli train` does, with the same data, settings and starting "
                      "weights. The cells use `model.py`, `data.py` and `train.py` from this "
                      "folder (in Colab, upload the folder and `%cd` into it first); "
                      "`python3 train.py` does the same from a shell, and `torchrun` on several "
                      "processes or GPUs (see README.md).");
  add("code", kSetup);
  add("markdown", "## Data\n\nThe data set as Strata builds it: " + p.description + ".");
  add("code", std::string(kData) + (p.textModel ? kShowText : ""));
  add("markdown", "## Model\n\nThe graph as a PyTorch module; its weight names are Strata's.");
  add("code", kModel);
  add("markdown", "## Training\n\nThe loss is " + p.lossText +
                      "; the plot is redrawn every 10 steps.");
  add("code", kTrainLoop);
  if (p.textModel) {
    add("markdown", "## Sampling\n\nText from the trained model, one character at a time.");
    add("code", kSample);
  }
  add("markdown", "## Save\n\nA checkpoint that Strata opens unchanged.");
  add("code", kSave);
  const Json nb = {
      {"cells", cells},
      {"metadata",
       {{"kernelspec", {{"display_name", "Python 3"}, {"language", "python"}, {"name", "python3"}}},
        {"language_info", {{"name", "python"}}}}},
      {"nbformat", 4},
      {"nbformat_minor", 5}};
  return nb.dump(1) + "\n";
}

}  // namespace strata::pyproject
