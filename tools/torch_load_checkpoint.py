#!/usr/bin/env python3
"""Loads a checkpoint written by TorchEbm.Gpu (`torchebm train` writes model.safetensors) into the equivalent
torch.nn.Sequential with load_state_dict(strict=True) and prints the energies at a few points.
    /usr/bin/python3 tools/torch_load_checkpoint.py runs/train/model.safetensors --hidden 32,32 [--activation SiLU]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--hidden", default="32,32")
    parser.add_argument("--activation", default="SiLU")
    parser.add_argument("--input-dim", type=int, default=2)
    args = parser.parse_args()
    sizes = [args.input_dim] + [int(h) for h in args.hidden.split(",") if h] + [1]
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(getattr(torch.nn, args.activation)())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    net = torch.nn.Sequential(*layers)
    net.load_state_dict(load_file(args.checkpoint), strict=True)
    points = torch.tensor([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5]])
    with torch.no_grad():
        print("loaded with strict=True; energies at", points.tolist(), "=", net(points).squeeze(-1).tolist())


if __name__ == "__main__":
    main()
