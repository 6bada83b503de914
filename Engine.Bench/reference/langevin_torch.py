#!/usr/bin/env python3
"""PyTorch reference for the workloads W1-W4 of DESIGN.md, written the way TorchEBM runs them: eager autograd
for dE/dx, one step at a time; plus one forward + backward pass of the W3 network ("MLP"); W4 is ten CD-10
iterations (MLP 2-128-128-1, batch 256, Adam).

Prints one JSON object: {"device": ..., "threads": ..., "torch": ..., "W1": s, "W2": s, "W3": s, "MLP": s, "W4": s}
(median of --repetitions runs after one warm-up). Used by `dotnet run -c Release --project Engine.Bench -- compare`.
"""
import argparse
import json
import math
import time

import torch


def langevin(energy, x, steps, step_size, noise_scale=1.0):
    sigma = noise_scale * math.sqrt(2.0 * step_size)
    for _ in range(steps):
        x = x.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(energy(x).sum(), x)
        x = x - step_size * grad + sigma * torch.randn_like(x)
    return x.detach()


def gaussian_energy(device):
    mean = torch.tensor([1.0, -1.0], device=device)
    precision = torch.linalg.inv(torch.tensor([[1.0, 0.5], [0.5, 2.0]], device=device))

    def energy(x):
        y = x - mean
        return 0.5 * ((y @ precision) * y).sum(dim=1)

    return energy


def double_well_energy(x, a=1.0, b=2.0):
    return a * ((x * x - b) ** 2).sum(dim=1)


def mlp_energy(device):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 128), torch.nn.SiLU(), torch.nn.Linear(128, 128), torch.nn.SiLU(), torch.nn.Linear(128, 1)
    ).to(device)
    return net, (lambda x: net(x).squeeze(-1))


def forward_backward(net, energy, x):
    net.zero_grad(set_to_none=False)
    energy(x).sum().backward()


def cd_iteration(energy, optimizer, data, k=10, step_size=0.01):
    """One CD-k training iteration as TorchEBM runs it: k Langevin steps from the data, then the loss and Adam."""
    negatives = langevin(energy, data, k, step_size)
    optimizer.zero_grad()
    loss = energy(data).mean() - energy(negatives).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


def median_seconds(run, repetitions, device):
    run()
    times = []
    for _ in range(repetitions):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave PyTorch's default)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)

    w1_energy = gaussian_energy(device)
    w1 = median_seconds(lambda: langevin(w1_energy, torch.randn(4096, 2, device=device), 1000, 0.01), args.repetitions, device)
    w2 = median_seconds(lambda: langevin(double_well_energy, torch.randn(1024, 128, device=device), 200, 0.01), args.repetitions, device)
    net, w3_energy = mlp_energy(device)
    for p in net.parameters():
        p.requires_grad_(False)  # Langevin needs dE/dx only, as TorchEBM's samplers do
    w3 = median_seconds(lambda: langevin(w3_energy, torch.randn(1024, 2, device=device), 100, 0.01), args.repetitions, device)
    for p in net.parameters():
        p.requires_grad_(True)
    batch = torch.randn(1024, 2, device=device)
    mlp = median_seconds(lambda: forward_backward(net, w3_energy, batch), max(args.repetitions, 20), device)
    w4_net, w4_energy = mlp_energy(device)
    w4_opt = torch.optim.Adam(w4_net.parameters(), lr=1e-3)
    w4_data = torch.randn(256, 2, device=device)
    w4 = median_seconds(lambda: [cd_iteration(w4_energy, w4_opt, w4_data) for _ in range(10)], args.repetitions, device)
    print(json.dumps({"device": str(device), "threads": torch.get_num_threads(), "torch": torch.__version__,
                      "W1": w1, "W2": w2, "W3": w3, "MLP": mlp, "W4": w4}))


if __name__ == "__main__":
    main()
