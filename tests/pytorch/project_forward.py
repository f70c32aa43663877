# For test_pytorch_project.cpp: PyTorch's forward of an exported training project on a checkpoint.
# Usage: project_forward.py PROJECT_DIR CKPT OUT_DIR
# Writes OUT_DIR/x.npy (the first 4 samples of the project's data set, as data.py builds them)
# and OUT_DIR/y.npy (the loss's prediction from model.py with the checkpoint loaded, eval mode).
import os
import sys

import numpy as np
import torch

project, checkpoint, out = sys.argv[1:4]
sys.path.insert(0, project)
import data  # noqa: E402  (the project's own files)
import train  # noqa: E402
from model import Model  # noqa: E402

dataset = data.load_dataset(train.SETTINGS["seed"])
x = dataset.inputs[:4]
model = Model()
model.load_state_dict(train.load_safetensors(checkpoint)[0])
model.eval()
with torch.no_grad():
    y = model(x)
np.save(os.path.join(out, "x.npy"), x.numpy())
np.save(os.path.join(out, "y.npy"), y.numpy())
