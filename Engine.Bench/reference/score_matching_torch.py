#!/usr/bin/env python3
"""PyTorch eager reference for the score-matching training workloads, written as TorchEBM computes these losses
(energy E, p ~ exp(-E), score s = -dE/dx by torch.autograd.grad with create_graph=True), Adam lr 1e-3:
  DSM:  MLP 2-128-128-1 (SiLU), batch 1024, sigma 0.1: loss = sigma^2 mean 0.5 ||s(x + sigma eps) + eps / sigma||^2
  SSM:  MLP 2-128-128-1 (SiLU), batch 1024, one Rademacher projection v: mean 0.5 (v.s)^2 + v . d(v.s)/dx
  SM16: MLP 16-128-128-1 (SiLU), batch 128, exact Hessian trace (16 create-graph backward passes)
Each timed run is --iterations training iterations (zero_grad, loss, backward, Adam step).
Prints one JSON object: {"device", "threads", "torch", "DSM": s, "SSM": s, "SM16": s} (seconds per iteration:
median over --repetitions runs after one warm-up run).
"""
import argparse
import json

import torch

from langevin_torch import median_seconds  # the same timing as W1-W6


def mlp(d, device):
    return torch.nn.Sequential(torch.nn.Linear(d, 128), torch.nn.SiLU(), torch.nn.Linear(128, 128), torch.nn.SiLU(),
                               torch.nn.Linear(128, 1)).to(device)


def grad_x(net, x):
    return torch.autograd.grad(net(x).sum(), x, create_graph=True)[0]


def dsm(net, x, sigma=0.1):
    eps = torch.randn_like(x)
    xt = (x + sigma * eps).requires_grad_(True)
    s = -grad_x(net, xt)
    return (0.5 * ((s + eps / sigma) ** 2).sum(1)).mean() * sigma ** 2


def ssm(net, x):
    x = x.clone().requires_grad_(True)
    s = -grad_x(net, x)
    v = torch.randint(0, 2, x.shape, device=x.device).to(x.dtype) * 2 - 1
    vs = (v * s).sum(1)
    second = (v * torch.autograd.grad(vs.sum(), x, create_graph=True)[0]).sum(1)
    return (0.5 * vs ** 2 + second).mean()


def sm_exact(net, x):
    x = x.clone().requires_grad_(True)
    g = grad_x(net, x)
    trace = sum(torch.autograd.grad(g[:, j].sum(), x, create_graph=True)[0][:, j] for j in range(x.shape[1]))
    return (0.5 * (g ** 2).sum(1) - trace).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave PyTorch's default)")
    parser.add_argument("--iterations", type=int, default=10)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    out = {"device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__}
    for name, loss, d, batch in (("DSM", dsm, 2, 1024), ("SSM", ssm, 2, 1024), ("SM16", sm_exact, 16, 128)):
        net = mlp(d, device)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        x = torch.randn(batch, d, device=device)

        def run():
            for _ in range(args.iterations):
                opt.zero_grad()
                loss(net, x).backward()
                opt.step()

        out[name] = median_seconds(run, args.repetitions, device) / args.iterations
    print(json.dumps(out))


if __name__ == "__main__":
    main()
