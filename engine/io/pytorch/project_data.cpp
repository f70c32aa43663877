// data.py of the PyTorch project: the graph's data set rebuilt in Python exactly as
// engine/train/data_*.cpp builds it (same windows, vocabulary, split and sample order; the seeded
// parts through a copy of Strata's Rng, std::mt19937_64), written for the one spec kind the graph
// uses so that the file holds no code it does not run.
#include <sstream>

#include "io/pytorch/project_parts.h"
#include "io/pytorch/pytorch_context.h"

namespace strata::pyproject {

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values)
    for (size_t pos = 0; (pos = text.find(key, pos)) != std::string::npos; pos += value.size())
      text.replace(pos, key.size(), value);
  return text;
}

std::string pyList(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

namespace {

// Strata's Rng: the generator and below() always (split and epoch order), normal() for sine.
constexpr const char* kRng = R"PY(

class Rng:
    """Strata's seeded generator (engine/core/rng.h): std::mt19937_64 and Strata's own
    distributions, so that a seed gives the same numbers here as in Strata."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = [seed & self.MASK]
        for i in range(1, 312):
            prev = self.state[-1]
            self.state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & self.MASK)
        self.index = 312

    def next_u64(self):
        if self.index == 312:  # regenerate the 312 words
            s = self.state
            for i in range(312):
                x = (s[i] & 0xFFFFFFFF80000000) | (s[(i + 1) % 312] & 0x7FFFFFFF)
                s[i] = s[(i + 156) % 312] ^ (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
            self.index = 0
        y = self.state[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        return y ^ (y >> 43)

    def below(self, n):
        """Uniform integer in [0, n)."""
        return self.next_u64() % n
)PY";

constexpr const char* kRngNormal = R"PY(
    def normals(self, count):
        """`count` standard normal float32 values by Box-Muller, two per pair of draws."""
        out = np.empty(count + 1, dtype=np.float32)
        for k in range(0, count, 2):
            u1 = ((self.next_u64() >> 11) + 1.0) * (1.0 / 9007199254740993.0)  # (0, 1]
            u2 = (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)  # [0, 1)
            r = math.sqrt(-2.0 * math.log(u1))
            out[k], out[k + 1] = r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)
        return out[:count]
)PY";

constexpr const char* kDataset = R"PY(

class StrataDataset(torch.utils.data.Dataset):
    """All samples: item i is (inputs[i], targets[i])."""

    def __init__(self, inputs, targets, description, vocab=None):
        self.inputs = inputs  # [N, *INPUT_SHAPE]
        self.targets = targets  # [N, *TARGET_SHAPE]
        self.description = description
        self.vocab = vocab  # token id -> text, for token data

    def __len__(self):
        return self.inputs.shape[0]

    def __getitem__(self, i):
        return self.inputs[i], self.targets[i]

    def split(self, val_split, seed, shuffle):
        """(train indices, validation indices), both ascending (Strata's DataSet::split):
        round(N * val_split) samples for validation, at least one when val_split > 0 and N >= 2,
        never all; shuffled: a seeded random subset, else the last samples."""
        n = len(self)
        n_val = math.floor(n * val_split)
        n_val += 1 if n * val_split - n_val >= 0.5 else 0  # rounding half away from zero
        if val_split > 0 and n >= 2:
            n_val = max(n_val, 1)
        n_val = min(n_val, max(n - 1, 0))
        order = list(range(n))
        if shuffle:
            rng = Rng(seed ^ 0x5EEDDA7A5E7)
            for i in range(n - 1, 0, -1):
                j = rng.below(i + 1)
                order[i], order[j] = order[j], order[i]
        return sorted(order[: n - n_val]), sorted(order[n - n_val :])


def epoch_order(train_indices, seed, epoch, shuffle):
    """The training samples in the order Strata's trainer takes them in `epoch` (0-based): as
    given, or shuffled by a generator seeded from (seed, epoch)."""
    order = list(train_indices)
    if shuffle:
        rng = Rng(_mix(seed, 1, epoch))
        for i in range(len(order), 1, -1):
            j = rng.below(i)
            order[i - 1], order[j] = order[j], order[i - 1]
    return order


def _mix(seed, stream, index):
    """splitmix64's finaliser over (seed, stream, index): the trainer's per-epoch seed."""
    m = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + stream * 0xBF58476D1CE4E5B9 + index + 1) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


class StrataSampler(torch.utils.data.distributed.DistributedSampler):
    """Strata's epoch order dealt round-robin to the processes of a distributed run. With a
    batch of B / num_replicas per process, the processes' batches of one step are together
    exactly Strata's batch of B (a last, partial batch is padded by repeating samples, as
    DistributedSampler does); one process gets Strata's order unchanged."""

    def __init__(self, train_indices, seed, shuffle, num_replicas=1, rank=0):
        super().__init__(train_indices, num_replicas=num_replicas, rank=rank, shuffle=False)
        self.train_indices = train_indices
        self.order_seed = seed
        self.order_shuffled = shuffle

    def __iter__(self):
        order = epoch_order(self.train_indices, self.order_seed, self.epoch, self.order_shuffled)
        order += order[: self.total_size - len(order)]  # pad to a multiple of num_replicas
        return iter(order[self.rank : self.total_size : self.num_replicas])
)PY";

constexpr const char* kSine = R"PY(

def load_dataset(seed):
    """Strata's sine series: sin(2 pi t / 25) + 0.3 sin(2 pi t / 7.3) plus Gaussian noise of
    standard deviation NOISE from the seeded generator, WINDOWS + WINDOW values."""
    rows = WINDOWS + WINDOW
    t = 2.0 * math.pi * np.arange(rows)
    clean = np.array([math.sin(a / 25.0) + 0.3 * math.sin(a / 7.3) for a in t], dtype=np.float32)
    noise = Rng(seed ^ 0x51E51E51E).normals(rows)  # [rows]
    values = (clean + np.float32(NOISE) * noise).reshape(rows, 1)  # [rows, 1], float32 as Strata
    return _windows(values, "sine")
)PY";

constexpr const char* kCsv = R"PY(

def load_dataset(seed):
    """The CSV file's columns as Strata's csv:FILE reads them: a first row without numbers is
    the header, blank lines are skipped. The seed is not used."""
    path = os.path.join(HERE, DATA_FILE)
    rows, columns = [], None
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    for line_no, line in enumerate(lines, start=1):
        cells = [c.strip(" \t\r") for c in line.split(",")]
        if cells == [""]:
            continue
        numbers = [_number(c) for c in cells]
        if columns is None:
            columns = len(cells)
            if all(v is None for v in numbers):
                continue  # the header
        if None in numbers or len(numbers) != columns:
            raise ValueError(f"{path}: line {line_no} is not {columns} comma-separated numbers")
        rows.append(numbers)
    values = np.array(rows, dtype=np.float32)  # [rows, C]
    return _windows(values, SPEC)


def _number(cell):
    try:
        v = float(cell)
    except ValueError:
        return None
    return v if math.isfinite(v) else None
)PY";

constexpr const char* kWindows = R"PY(

def _windows(values, what):
    """Sample i is rows [i, i + WINDOW) of `values` [rows, C]; its target is
    @TARGET_TEXT@."""
    n = values.shape[0] - WINDOW
    if n < 1:
        raise ValueError(f"{what}: {values.shape[0]} rows; windows of {WINDOW} need {WINDOW + 1}")
    rows = np.arange(n)[:, None] + np.arange(WINDOW)[None, :]  # [N, WINDOW] row indices
    inputs = values[rows].reshape(n, *INPUT_SHAPE)  # [N, *INPUT_SHAPE]
    # @TARGETS_SHAPE@
    targets = @TARGETS@.reshape(n, *TARGET_SHAPE)
    description = (f"{what}: {n} windows of {WINDOW} x {values.shape[1]} -> "
                   "@TARGET_TEXT@")
    return StrataDataset(torch.from_numpy(inputs), torch.from_numpy(targets), description)
)PY";

constexpr const char* kText = R"PY(

def load_dataset(seed):
    """Characters of the text file, as Strata's text:FILE: the vocabulary is its distinct
    characters, sorted; sample i is characters [i*T, (i+1)*T) and its target
    @TEXT_TARGET@. The seed is not used."""
    with open(os.path.join(HERE, DATA_FILE), encoding="utf-8", newline="") as f:
        chars = f.read()
    vocab = sorted(set(chars))
    index = {c: k for k, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in chars], dtype=torch.int64)  # [characters]
    t = SEQ_LEN
    n = (len(ids) - 1) // t
    inputs = ids[: n * t].reshape(n, t)  # [N, T]
    targets = @TEXT_TARGETS@
    description = f"{SPEC}: {len(ids)} characters, vocabulary {len(vocab)}, {n} sequences of {t}"
    return StrataDataset(inputs, targets, description, vocab)
)PY";

constexpr const char* kTask = R"PY(

def load_dataset(seed):
    """Strata's task:@TASK@: 2000 sequences of SEQ_LEN tokens drawn uniformly from 1 .. VOCAB-1
    (0 is left for padding) by the seeded generator; the target is @TASK_TEXT@."""
    rng = Rng(seed ^ 0x7A5C7A5C7)
    tokens = [1 + rng.below(VOCAB - 1) for _ in range(2000 * SEQ_LEN)]
    inputs = torch.tensor(tokens, dtype=torch.int64).reshape(2000, SEQ_LEN)  # [N, T]
    targets = @TASK_TARGETS@  # [N, T]
    vocab = ["<pad>"] + [str(k) for k in range(1, VOCAB)]
    description = f"{SPEC}: 2000 sequences of {SEQ_LEN} tokens from a vocabulary of {VOCAB}"
    return StrataDataset(inputs, targets, description, vocab)
)PY";

constexpr const char* kNpy = R"PY(

def load_dataset(seed):
    """The two arrays as they are (the first axis is the sample). The seed is not used."""
    inputs = torch.from_numpy(np.load(os.path.join(HERE, INPUTS_FILE)))  # [N, *INPUT_SHAPE]
    targets = torch.from_numpy(np.load(os.path.join(HERE, TARGETS_FILE)))
    targets = targets.reshape(len(targets), *TARGET_SHAPE)  # [N, *TARGET_SHAPE]
    description = f"{SPEC}: {len(inputs)} samples"
    return StrataDataset(inputs, targets, description)
)PY";

std::string typeWord(bool int64, bool target) {
  if (int64) return target ? "int64 class ids" : "int64 token ids";
  return "float32";
}

}  // namespace

std::string dataPy(const ProjectInfo& p) {
  const std::string& kind = p.dataKind;
  const bool usesFiles = kind == "text" || kind == "csv" || kind == "npy";
  const bool usesNumpy = kind == "sine" || kind == "csv" || kind == "npy";
  std::ostringstream out;
  out << "# data.py of the graph " << py::string(p.graphName) << ":\n"
      << "# its data set " << py::string(p.settings.data) << " as a torch Dataset, with Strata's "
         "samples,\n"
      << "# vocabulary, train/validation split and sample order for a seed.\n"
      << "# Generated by Strata (strata-cli export --pytorch-project).\n"
      << "import math\n";
  if (usesFiles) out << "import os\n";
  out << "\n";
  if (usesNumpy) out << "import numpy as np\n";
  out << "import torch\n\n";
  if (usesFiles) out << "HERE = os.path.dirname(os.path.abspath(__file__))\n";
  out << "SPEC = " << py::string(p.settings.data) << "  # Strata's data spec"
      << (usesFiles ? "; files are relative to this folder" : "") << "\n";
  out << "INPUT_SHAPE = " << pyList(p.inputShape) << "  # one sample of the Input "
      << py::string(p.inputName) << " (" << typeWord(p.inputInt64, false)
      << "), batch left out\n";
  out << "TARGET_SHAPE = " << pyList(p.targetShape) << "  # one sample's target ("
      << typeWord(p.targetInt64, true) << ")\n";
  std::string body;
  if (kind == "sine" || kind == "csv") {
    const int64_t w = p.inputShape.at(0);
    out << "WINDOW = " << w << "  # rows per sample\n";
    if (kind == "sine") {
      out << "WINDOWS = " << p.sineWindows << "  # samples\n"
          << "NOISE = " << py::number(p.sineNoise) << "  # standard deviation of the noise\n";
    } else {
      out << "DATA_FILE = " << py::string(p.dataFile) << "\n";
    }
    std::string targets, text, shape;
    if (p.seriesTarget == "next-value") {
      targets = "values[WINDOW:, -1]";
      text = "the next value (last column)";
      shape = "[N, *TARGET_SHAPE]: the last column of the row after each window";
    } else if (p.seriesTarget == "next-row") {
      targets = "values[WINDOW:]";
      text = "the next row";
      shape = "[N, C]: the row after each window";
    } else {
      targets = p.seriesTargetColumns == 1 && p.seriesColumns > 1 ? "values[rows + 1][:, :, -1:]"
                                                                   : "values[rows + 1]";
      text = "the next-step sequence";
      shape = "[N, *TARGET_SHAPE]: each window shifted by one row";
    }
    body = std::string(kind == "sine" ? kSine : kCsv) +
           fill(kWindows, {{"@TARGETS@", targets},
                           {"@TARGET_TEXT@", text},
                           {"@TARGETS_SHAPE@", shape}});
  } else if (kind == "text") {
    out << "DATA_FILE = " << py::string(p.dataFile) << "\n"
        << "SEQ_LEN = " << p.inputShape.at(0) << "  # characters per sample\n";
    const bool perPosition = p.targetShape.size() == 1 && p.targetShape[0] == p.inputShape[0];
    body = fill(kText,
                {{"@TEXT_TARGET@", perPosition ? "the same window shifted by one character"
                                               : "the character after the window"},
                 {"@TEXT_TARGETS@",
                  perPosition ? "ids[1 : n * t + 1].reshape(n, t)  # [N, T]: the next character"
                              : "ids[t : n * t + 1 : t].reshape(n, *TARGET_SHAPE)  # the "
                                "character after each sample"}});
  } else if (kind == "task") {
    out << "SEQ_LEN = " << p.inputShape.at(0) << "  # tokens per sample\n"
        << "VOCAB = " << p.taskVocab << "  # token ids 0 .. VOCAB-1\n";
    const std::string targets = p.taskKind == "copy"      ? "inputs.clone()"
                                : p.taskKind == "reverse" ? "inputs.flip(1)"
                                                          : "inputs.sort(dim=1).values";
    const std::string text = p.taskKind == "copy"      ? "the sequence itself"
                             : p.taskKind == "reverse" ? "the sequence reversed"
                                                       : "the sequence sorted";
    body = fill(kTask, {{"@TASK@", p.taskKind}, {"@TASK_TARGETS@", targets}, {"@TASK_TEXT@", text}});
  } else {  // npy
    out << "INPUTS_FILE = " << py::string(p.dataFile) << "\n"
        << "TARGETS_FILE = " << py::string(p.targetFile) << "\n";
    body = kNpy;
  }
  out << kRng;
  if (kind == "sine") out << kRngNormal;
  out << kDataset << body;
  return out.str();
}

}  // namespace strata::pyproject
