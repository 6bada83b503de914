#!/usr/bin/env python3
"""Loads a checkpoint written by TorchEbm.Gpu (`Checkpoint.Save(path, model)`; `torchebm train` writes
model.safetensors) into the equivalent torch.nn.Sequential with load_state_dict(strict=True) and prints the energies at
a few points. The architecture comes from the file's model card (safetensors metadata: format "torchebm-mlp",
format_version 1, input_dim, hidden, activation, output_dim); --hidden, --activation, --input-dim and --output-dim
override it, and are needed for weights-only files saved with `Checkpoint.Save(path, module)`.
    /usr/bin/python3 tools/torch_load_checkpoint.py runs/train/model.safetensors
    /usr/bin/python3 tools/torch_load_checkpoint.py weights.safetensors --hidden 32,32 --activation SiLU --input-dim 2
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file, load_metadata  # noqa: E402

CARD_FORMAT = "torchebm-mlp"
CARD_VERSION = "1"


def architecture(args, metadata):
    """(input_dim, hidden widths, activation name, output_dim): the card's, with any flag overriding it."""
    card = metadata if metadata.get("format") == CARD_FORMAT else {}
    if card and card.get("format_version", CARD_VERSION) != CARD_VERSION:
        sys.exit(f"{args.checkpoint}: model card format_version {card['format_version']}; this script reads {CARD_VERSION}")

    def pick(flag, key, default):
        # A flag wins; then the card; a file without a card gets this script's old defaults (2, 32,32, SiLU, 1),
        # and load_state_dict(strict=True) says so loudly if they do not fit.
        return flag if flag is not None else card.get(key, default)

    if not card and args.hidden is None:
        print(f"{args.checkpoint} has no model card: assuming --hidden 32,32 unless given", file=sys.stderr)
    input_dim = int(pick(args.input_dim, "input_dim", "2"))
    hidden = [int(h) for h in pick(args.hidden, "hidden", "32,32").split(",") if h]
    activation = pick(args.activation, "activation", "SiLU")
    output_dim = int(pick(args.output_dim, "output_dim", "1"))  # files from before the card had one output
    if not isinstance(getattr(torch.nn, activation, None), type):
        sys.exit(f"activation '{activation}' is not a torch.nn class name such as SiLU")
    return input_dim, hidden, activation, output_dim


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--hidden", help="hidden widths, e.g. 32,32 (default: the model card's, else 32,32)")
    parser.add_argument("--activation", help="torch.nn activation class, e.g. SiLU (default: the model card's, else SiLU)")
    parser.add_argument("--input-dim", type=int, help="input features (default: the model card's, else 2)")
    parser.add_argument("--output-dim", type=int, help="output features (default: the model card's, else 1)")
    args = parser.parse_args()
    metadata = load_metadata(args.checkpoint)
    input_dim, hidden, activation, output_dim = architecture(args, metadata)
    sizes = [input_dim] + hidden + [output_dim]
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(getattr(torch.nn, activation)())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    net = torch.nn.Sequential(*layers)
    net.load_state_dict(load_file(args.checkpoint), strict=True)
    print(f"architecture: input_dim {input_dim}, hidden {hidden}, activation {activation}, output_dim {output_dim}")
    if all(k in metadata for k in ("step_size", "noise_scale", "sample_steps")):
        print(f"sampler: step_size {metadata['step_size']}, noise_scale {metadata['noise_scale']}, sample_steps {metadata['sample_steps']}")
    if input_dim == 2:
        points = torch.tensor([[0.0, 0.0], [1.0, -1.0], [-2.0, 0.5]])
    else:
        points = torch.randn(3, input_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        print("loaded with strict=True; energies at", points.tolist(), "=", net(points).squeeze(-1).tolist())


if __name__ == "__main__":
    main()
