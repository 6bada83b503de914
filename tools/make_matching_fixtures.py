#!/usr/bin/env python3
"""Makes the PyTorch reference fixtures of the matching losses (issue 26: equilibrium matching, energy matching) in
Engine.Tests/Fixtures/:
  matching_torch_energy.safetensors  Sequential(Linear(2,16), SiLU(), Linear(16,16), SiLU(), Linear(16,1)), seed 2030
  matching_torch_field.safetensors   Sequential(Linear(2,16), SiLU(), Linear(16,16), SiLU(), Linear(16,2)), seed 2031
  matching_fixture.json              data, noise, times, smoothing noise, negatives and settings; for each loss the
                                     value and dLoss/dtheta per state_dict name (weights (out, in))
Losses (p ~ exp(-E); means over rows and coordinates as TorchEBM's mean_flat then mean):
  eqm_scalar  EqM-E on the scalar MLP energy:  mean (dE/dx(x_g) - (eps - x) c(g))^2,  x_g = g x + (1 - g) eps,
              c(g) = lambda min(1, (1 - g) / (1 - a)), a = 0.8, lambda = 4 (Wang et al. 2025)
  eqm_dot     the same with E(x) = x . f(x) of the field MLP f;  eqm_l2 with E(x) = -||f(x)||^2 / 2
  eqm_implicit  mean (f(x_g) - (eps - x) c(g))^2
  em_flow     energy matching's flow term alone (contrastive weight 0): mean_r w(t_r) mean_k (-dV/dx(x_t) - (x1 - x0))^2,
              x_t = (1 - t) x0 + t x1 + sigma xi with x0 the noise rows reordered by exact OT (brute force over all
              permutations here), w(t) = clamp((1 - t) / (1 - 0.8), 0, 1)
  em          flow term + max(lambda_cd (mean V(x1) - trimmed mean V(negatives)), -clamp), the trimmed mean dropping the
              int(trim n) highest negative energies (Balcerak et al. 2025, as TorchEBM 0.7.11 writes it), clamp 100
              (the contrastive term counts);  em_clamped the same at clamp 0.02, where it is clamped (flow gradient only)
Every reference value is computed in float64 from float32 weights and float32-exact inputs; the script checks the
parameter gradients against central differences and fails loudly if a check fails. Run from the repository root:
    /usr/bin/python3 tools/make_matching_fixtures.py
"""
import itertools
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tape_fixtures import FIXTURES, H, check, param_grads, write_json  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402
import copy  # noqa: E402

A, LAMBDA, CUTOFF, SIGMA, LAMBDA_CD, TRIM, CLAMP, CLAMP_WIDE = 0.8, 4.0, 0.8, 0.1, 2.0, 0.34, 0.02, 100.0


def check_param_grads(tag, net, loss_fn, grads):
    """Each parameter's gradient against central differences of the loss along a fixed random direction; where both
    are below 1e-9 (em's last bias cancels between the two means of the contrastive term) they agree that it is 0."""
    gen = torch.Generator().manual_seed(7)
    for name, p in net.named_parameters():
        u, saved = torch.randn(p.shape, generator=gen, dtype=p.dtype), p.detach().clone()
        with torch.no_grad():
            p.copy_(saved + H * u)
        lp = loss_fn().item()
        with torch.no_grad():
            p.copy_(saved - H * u)
        lm = loss_fn().item()
        with torch.no_grad():
            p.copy_(saved)
        analytic, fd = (grads[name] * u).sum().item(), (lp - lm) / (2 * H)
        if abs(analytic) < 1e-9 and abs(fd) < 1e-9:
            print(f"  check {tag + ' d/d' + name + ' is 0 (both)':<44} {analytic:.1e} {fd:.1e}")
            continue
        check(f"{tag} d/d{name} vs FD along u", analytic, fd)


def make_mlp(seed, out, path):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 16), torch.nn.SiLU(),
                              torch.nn.Linear(16, out))
    save_file(net.state_dict(), path, metadata={"made_by": "torch " + torch.__version__, "seed": seed})
    for name, t in load_file(path).items():
        assert torch.equal(t, net.state_dict()[name]), f"safetensors round trip failed: {name}"
    return copy.deepcopy(net).double()


def grad_x(energy, x):
    x = x.detach().requires_grad_(True)
    return torch.autograd.grad(energy(x).sum(), x, create_graph=True)[0]


def decay(g):
    return LAMBDA * torch.minimum(torch.ones_like(g), (1 - g) / (1 - A))


def eqm_explicit(energy, x, eps, g):
    xg = g[:, None] * x + (1 - g[:, None]) * eps
    target = (eps - x) * decay(g)[:, None]
    return ((grad_x(energy, xg) - target) ** 2).mean()


def eqm_implicit(field, x, eps, g):
    xg = g[:, None] * x + (1 - g[:, None]) * eps
    target = (eps - x) * decay(g)[:, None]
    return ((field(xg) - target) ** 2).mean()


def exact_ot(x0, x1):
    """For each data row j the noise row paired with it: the permutation of least total squared distance (brute force)."""
    n = x0.shape[0]
    cost = ((x0[:, None, :] - x1[None, :, :]) ** 2).sum(2)
    best = min(itertools.permutations(range(n)), key=lambda p: sum(cost[p[j], j].item() for j in range(n)))
    return list(best), sum(cost[best[j], j].item() for j in range(n))


def em_flow(energy, x0c, x1, t, xi):
    xt = (1 - t[:, None]) * x0c + t[:, None] * x1 + SIGMA * xi
    w = ((1 - t) / (1 - CUTOFF)).clamp(0, 1)
    return (w * ((-grad_x(energy, xt) - (x1 - x0c)) ** 2).mean(1)).mean()


def em(energy, x0c, x1, t, xi, negatives, clamp):
    flow = em_flow(energy, x0c, x1, t, xi)
    neg = energy(negatives)
    k = int(TRIM * neg.shape[0])
    trimmed = neg.sort().values[: neg.shape[0] - k].mean()
    cd = LAMBDA_CD * (energy(x1).mean() - trimmed)
    return flow + torch.clamp(cd, min=-clamp)


def main():
    scalar_net = make_mlp(2030, 1, os.path.join(FIXTURES, "matching_torch_energy.safetensors"))
    field_net = make_mlp(2031, 2, os.path.join(FIXTURES, "matching_torch_field.safetensors"))
    scalar = lambda x: scalar_net(x).squeeze(-1)  # noqa: E731
    dot = lambda x: (x * field_net(x)).sum(1)  # noqa: E731
    l2 = lambda x: -0.5 * (field_net(x) ** 2).sum(1)  # noqa: E731
    gen = torch.Generator().manual_seed(2032)
    n, d = 6, 2
    x = (1.5 * torch.randn(n, d, generator=gen)).double()
    eps = torch.randn(n, d, generator=gen).double()
    g = torch.rand(n, generator=gen).double()
    g[0] = 0.9  # one time in the decaying part of c and one before it, whatever the draw
    g[1] = 0.3
    xi = torch.randn(n, d, generator=gen).double()
    negatives = (2.0 * torch.randn(n, d, generator=gen)).double()
    pairs, ot_cost = exact_ot(eps, x)
    x0c = eps[pairs]
    check("c(g) at 0.9 is lambda * 0.5", decay(torch.tensor([0.9], dtype=torch.float64)).item(), 2.0)
    out = {"points": x.tolist(), "noise": eps.tolist(), "times": g.tolist(), "smoothing": xi.tolist(),
           "negatives": negatives.tolist(), "ot_pairs": pairs, "ot_cost": ot_cost,
           "settings": {"threshold": A, "multiplier": LAMBDA, "flow_cutoff": CUTOFF, "sigma": SIGMA,
                        "contrastive_weight": LAMBDA_CD, "trim_fraction": TRIM, "clamp": CLAMP, "clamp_wide": CLAMP_WIDE},
           "convention": "E(x), p ~ exp(-E); times: data at 1, noise at 0; the EM flow uses the OT-reordered noise"}
    losses = {
        "eqm_scalar": (scalar_net, lambda: eqm_explicit(scalar, x, eps, g)),
        "eqm_dot": (field_net, lambda: eqm_explicit(dot, x, eps, g)),
        "eqm_l2": (field_net, lambda: eqm_explicit(l2, x, eps, g)),
        "eqm_implicit": (field_net, lambda: eqm_implicit(field_net, x, eps, g)),
        "em_flow": (scalar_net, lambda: em_flow(scalar, x0c, x, g, xi)),
        "em": (scalar_net, lambda: em(scalar, x0c, x, g, xi, negatives, CLAMP_WIDE)),
        "em_clamped": (scalar_net, lambda: em(scalar, x0c, x, g, xi, negatives, CLAMP)),
    }
    for key, (net, fn) in losses.items():
        loss = fn()
        grads = param_grads(net, loss)
        check_param_grads(key, net, fn, grads)
        out[key] = {"loss": loss.item(), "grads": {k: v.tolist() for k, v in grads.items()}}
        print(f"  {key}: loss {loss.item():.6f}")
    write_json(out, "matching_fixture.json")
    print("all self-checks passed; wrote matching_torch_energy.safetensors, matching_torch_field.safetensors, matching_fixture.json")


if __name__ == "__main__":
    main()
