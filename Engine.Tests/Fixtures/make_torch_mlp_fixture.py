#!/usr/bin/env python3
"""Makes the PyTorch interop fixture of CheckpointTests: the weights of
torch.nn.Sequential(Linear(2, 16), SiLU(), Linear(16, 16), SiLU(), Linear(16, 1)) (seed 1234) in safetensors layout,
and the network's outputs at a few points. Run from the repository root with Debian's python3-torch:
    /usr/bin/python3 Engine.Tests/Fixtures/make_torch_mlp_fixture.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
from safetensors_io import save_file  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)
net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1))
save_file(net.state_dict(), os.path.join(here, "torch_mlp.safetensors"), metadata={"made_by": "torch " + torch.__version__})
points = torch.tensor([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5], [0.25, 3.0], [-1.5, -1.5]])
with torch.no_grad():
    energies = net(points).squeeze(-1)
with open(os.path.join(here, "torch_mlp_energies.json"), "w") as f:
    json.dump({"points": points.tolist(), "energies": energies.tolist()}, f, indent=1)
print("wrote torch_mlp.safetensors and torch_mlp_energies.json")
