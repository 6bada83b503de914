#!/usr/bin/env python3
"""The PyTorch side of the checkpoint round trip (not run in CI): loads a TorchEbm.Gpu checkpoint into the equivalent
torch.nn.Sequential with load_state_dict(strict=True), reading the architecture from the file's model card, and prints
the energies at the points the C# example probed. Needs torch and safetensors (pip install torch safetensors).
    python3 examples/CheckpointRoundTrip/load_in_torch.py /tmp/torchebm-example.safetensors
tools/torch_load_checkpoint.py does the same with more options, and without the safetensors package.
"""
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

path = sys.argv[1]
with safe_open(path, framework="pt") as f:
    card = f.metadata()
assert card.get("format") == "torchebm-mlp", f"{path} has no torchebm-mlp model card"
widths = [int(card["input_dim"])] + [int(h) for h in card["hidden"].split(",")] + [int(card["output_dim"])]
layers = []
for i in range(len(widths) - 1):
    layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
    if i < len(widths) - 2:
        layers.append(getattr(torch.nn, card["activation"])())
model = torch.nn.Sequential(*layers)
model.load_state_dict(load_file(path), strict=True)   # same names: 0.weight, 0.bias, 2.weight, ...
print(model)
print("sampler settings:", {k: card[k] for k in ("step_size", "noise_scale", "sample_steps") if k in card})
x = torch.randn(8, widths[0])
print("E(x) =", model(x).squeeze(-1).tolist())
