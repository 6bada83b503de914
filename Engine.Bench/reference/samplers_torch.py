#!/usr/bin/env python3
"""PyTorch eager reference for the sampler workloads W5 and W6, written the way TorchEBM runs them: batched
energies, dE/dx by torch.autograd.grad, one step at a time (no torch.compile, no jit).

Energy: double well E(x) = a * sum_i (x_i^2 - b)^2, a = 1, b = 2. Start: x ~ N(0, I), torch.manual_seed(0).
  W5: HMC, 1024 chains x 128 dims, 200 transitions of 10 leapfrog steps (half kicks at both ends), step size
      --hmc-step-size (0.05; at 0.01 the acceptance is 0.9999), identity mass, per-chain Metropolis accept with
      min(1, exp(H0 - H1)); ten energy + gradient evaluations per transition (the current state's are cached).
  W6: MALA, 1024 chains x 128 dims, 2000 steps, step size --mala-step-size (0.01), one energy + gradient
      evaluation per step (the current state's energy and gradient are cached).

Prints one JSON object: {"device", "threads", "torch", "W5": s, "W6": s, "W5_acceptance", "W6_acceptance"}
(seconds: median of --repetitions runs after one warm-up; acceptance: mean over all chains and steps).
"""
import argparse
import json
import math

import torch

from langevin_torch import double_well_energy, median_seconds  # the same energy and timing as W1-W4


def energy_and_grad(energy, x):
    x = x.detach().requires_grad_(True)
    e = energy(x)
    (grad,) = torch.autograd.grad(e.sum(), x)
    return e.detach(), grad


def hmc(energy, x, iterations, step_size, leapfrog_steps=10):
    """Returns (samples, mean acceptance rate)."""
    accepted = torch.zeros((), device=x.device)
    e0, g0 = energy_and_grad(energy, x)
    for _ in range(iterations):
        p0 = torch.randn_like(x)
        h0 = e0 + 0.5 * (p0 * p0).sum(dim=1)
        x1, p = x, p0 - 0.5 * step_size * g0
        for i in range(leapfrog_steps):
            x1 = x1 + step_size * p
            e1, g1 = energy_and_grad(energy, x1)
            p = p - (0.5 if i == leapfrog_steps - 1 else 1.0) * step_size * g1
        h1 = e1 + 0.5 * (p * p).sum(dim=1)
        accept = torch.rand_like(h0) < torch.exp(h0 - h1)
        x = torch.where(accept[:, None], x1, x)
        e0 = torch.where(accept, e1, e0)
        g0 = torch.where(accept[:, None], g1, g0)
        accepted += accept.float().mean()
    return x, (accepted / iterations).item()


def mala(energy, x, steps, step_size):
    """Returns (samples, mean acceptance rate)."""
    h = step_size
    accepted = torch.zeros((), device=x.device)
    ex, gx = energy_and_grad(energy, x)
    for _ in range(steps):
        y = x - h * gx + math.sqrt(2.0 * h) * torch.randn_like(x)
        ey, gy = energy_and_grad(energy, y)
        forward = y - x + h * gx   # log q(y | x) = -|forward|^2 / (4h)
        backward = x - y + h * gy  # log q(x | y) = -|backward|^2 / (4h)
        log_alpha = -(ey - ex) - ((backward * backward).sum(dim=1) - (forward * forward).sum(dim=1)) / (4.0 * h)
        accept = torch.log(torch.rand_like(ex)) < log_alpha
        x = torch.where(accept[:, None], y, x)
        ex = torch.where(accept, ey, ex)
        gx = torch.where(accept[:, None], gy, gx)
        accepted += accept.float().mean()
    return x, (accepted / steps).item()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave PyTorch's default)")
    parser.add_argument("--hmc-step-size", type=float, default=0.05)
    parser.add_argument("--mala-step-size", type=float, default=0.01)
    parser.add_argument("--only", choices=["W5", "W6"], help="run one workload only")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    result = {"device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__}
    acceptance = {}

    def start():
        torch.manual_seed(0)
        return torch.randn(1024, 128, device=device)

    def w5():
        acceptance["W5"] = hmc(double_well_energy, start(), 200, args.hmc_step_size)[1]

    def w6():
        acceptance["W6"] = mala(double_well_energy, start(), 2000, args.mala_step_size)[1]

    for name, run in (("W5", w5), ("W6", w6)):
        if args.only in (None, name):
            result[name] = median_seconds(run, args.repetitions, device)
            result[name + "_acceptance"] = acceptance[name]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
