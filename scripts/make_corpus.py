#!/usr/bin/env python3
"""Writes the sample data sets in samples/data/: corpus.txt, a character corpus of templated
English sentences about sequences and learning (written by this script, not copied from anywhere),
and series.csv, a seasonal + trend + noise series with a related second column.

Run once from the repository root; the outputs are committed. Deterministic (fixed seeds)."""
import math
import random
import sys

SUBJECTS = ["the model", "a small network", "the recurrent layer", "the encoder", "the decoder",
            "each cell", "the hidden state", "the attention head", "the optimizer", "the trainer",
            "a long sequence", "the next token", "the loss", "the gradient", "the learning rate"]
VERBS = ["reads", "remembers", "predicts", "updates", "forgets", "follows", "compares",
         "learns", "carries", "writes", "scales", "keeps"]
OBJECTS = ["the past", "every step", "the next value", "a short window", "the whole sequence",
           "its own output", "the last word", "a pattern", "the signal", "the noise",
           "the weights", "a simple rule", "the first character", "the target"]
ADVERBS = ["slowly", "quickly", "again", "carefully", "once more", "step by step", "in order",
           "without error", "over time", "at each step"]
LINKS = ["and then", "but", "so", "while", "because", "until"]
OPENERS = ["In the morning", "After a while", "At every step", "During training",
           "When the data is ready", "Later", "Before the next epoch", "At the end"]


def clause(rng):
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.5:
        s += " " + rng.choice(ADVERBS)
    return s


def sentence(rng):
    kind = rng.random()
    if kind < 0.35:
        s = clause(rng)
    elif kind < 0.7:
        s = f"{clause(rng)}, {rng.choice(LINKS)} {clause(rng)}"
    else:
        s = f"{rng.choice(OPENERS)}, {clause(rng)}"
    s = s[0].upper() + s[1:]
    return s + rng.choice([".", ".", ".", "!", "?"] if kind > 0.9 else ["."])


def corpus(rng, target_bytes):
    paragraphs = []
    size = 0
    while size < target_bytes:
        p = " ".join(sentence(rng) for _ in range(rng.randint(3, 7)))
        paragraphs.append(p)
        size += len(p) + 2
    return "\n\n".join(paragraphs) + "\n"


def series(rng, rows):
    lines = ["temperature,load"]
    for t in range(rows):
        season = math.sin(2 * math.pi * t / 50.0) + 0.4 * math.sin(2 * math.pi * t / 12.5)
        trend = 0.0005 * t
        temperature = season + trend + rng.gauss(0.0, 0.05)
        load = 0.6 * temperature + 0.3 * math.cos(2 * math.pi * t / 50.0) + rng.gauss(0.0, 0.05)
        lines.append(f"{temperature:.5f},{load:.5f}")
    return "\n".join(lines) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "samples/data"
    with open(f"{out}/corpus.txt", "w", encoding="ascii") as f:
        f.write(corpus(random.Random(1234), 150_000))
    with open(f"{out}/series.csv", "w", encoding="ascii") as f:
        f.write(series(random.Random(5678), 2000))


if __name__ == "__main__":
    main()
