#!/usr/bin/env python3
"""Makes the PyTorch reference fixtures of the tape (issue 12: double backward) and the score-matching losses
(issue 13), in Engine.Tests/Fixtures/:
  tape_torch_mlp.safetensors            Sequential(Linear(2,16), SiLU(), Linear(16,16), SiLU(), Linear(16,1)), seed 2027
  tape_fixture.json                     points, direction v; for the MLP and the banana energy: E(x), dE/dx, the
                                        per-sample Hessian-vector product H v, and (MLP) d/dtheta of sum ||dE/dx||^2
  score_matching_torch_mlp.safetensors  the same architecture, seed 2028
  score_matching_fixture.json           points, projections, noise, sigma; for sm_exact, ssm, ssm_vr and dsm: the
                                        loss value and dLoss/dtheta per state_dict name (weights (out, in))
Weights are float32 (safetensors, PyTorch state_dict layout); every reference value is computed in float64 from
those float32 weights and from float32-exact inputs. Convention: p ~ exp(-E), score s = -dE/dx.
The script checks its numbers against finite differences and torch.autograd.functional.hessian, and fails loudly
(AssertionError) if a check fails. Run from the repository root with Debian's python3-torch:
    /usr/bin/python3 tools/make_tape_fixtures.py
"""
import copy
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import load_file, save_file  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Engine.Tests", "Fixtures")
H, TOL = 1e-5, 1e-6  # finite-difference step and the relative error every check must stay under
BANANA_B = 0.1
BANANA_FORMULA = "E(x) = x1^2 / (2 * 4) + (x2 - b * x1^2 + 4 * b)^2 / 2, b = 0.1 (x1 = x[:, 0], x2 = x[:, 1])"


def rel_err(a, b):
    return ((a - b).norm() / b.norm().clamp_min(1e-300)).item()


def check(name, a, b, tol=TOL):
    e = rel_err(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))
    print(f"  check {name:<44} rel err {e:.2e}")
    assert e < tol, f"self-check failed: {name}: relative error {e:.3e} >= {tol:.0e}"


def make_mlp(seed, path):
    """Saves the float32 weights and returns a float64 copy of the same network."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 16), torch.nn.SiLU(),
                              torch.nn.Linear(16, 1))
    save_file(net.state_dict(), path, metadata={"made_by": "torch " + torch.__version__, "seed": seed})
    for name, t in load_file(path).items():  # the file holds exactly the weights used below
        assert torch.equal(t, net.state_dict()[name]), f"safetensors round trip failed: {name}"
    return copy.deepcopy(net).double()


def banana(x):
    x1, x2 = x[:, 0], x[:, 1]
    return x1 ** 2 / (2 * 4) + (x2 - BANANA_B * x1 ** 2 + 4 * BANANA_B) ** 2 / 2


def grad_x(energy, x, create_graph=False):
    """dE/dx per sample, (n, d); x must require grad."""
    return torch.autograd.grad(energy(x).sum(), x, create_graph=create_graph)[0]


def hvp(energy, x, v, create_graph=False):
    """Per-sample H v = d/dx (v . dE/dx) (samples are independent, so the sum over samples separates)."""
    x = x.detach().requires_grad_(True)
    g = grad_x(energy, x, create_graph=True)
    return torch.autograd.grad((g * v).sum(), x, create_graph=create_graph)[0]


def check_first_and_second_order(tag, energy, x, v):
    xg = x.clone().requires_grad_(True)
    g = grad_x(energy, xg)
    # dE/dx against central differences of E, coordinate by coordinate
    fd = torch.stack([(energy(x + H * e) - energy(x - H * e)) / (2 * H) for e in torch.eye(x.shape[1], dtype=x.dtype)], 1)
    check(f"{tag} dE/dx vs FD of E", g, fd)
    # H v against central differences of dE/dx along v
    gp, gm = (grad_x(energy, (x + s * H * v).requires_grad_(True)) for s in (1, -1))
    check(f"{tag} Hv vs FD of dE/dx along v", hvp(energy, x, v), (gp - gm) / (2 * H))


def check_param_grads(tag, net, loss_fn, grads):
    """Each parameter tensor's gradient against central differences of the loss along a fixed random direction."""
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
            p.copy_(saved)  # restored bit for bit
        check(f"{tag} d/d{name} vs FD along u", (grads[name] * u).sum(), (lp - lm) / (2 * H))


def param_grads(net, loss):
    """dLoss/dtheta by state_dict name; a parameter dE/dx does not depend on (the last bias) gets zeros."""
    names, params = zip(*net.named_parameters())
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return {k: torch.zeros_like(p) if g is None else g for k, p, g in zip(names, params, grads)}


def make_tape_fixture():
    print("tape fixture (issue 12)")
    net = make_mlp(2027, os.path.join(FIXTURES, "tape_torch_mlp.safetensors"))
    mlp = lambda x: net(x).squeeze(-1)  # noqa: E731
    # dyadic values: exact in float32, so the engine sees the very inputs used here
    x = torch.tensor([[0.5, -1.0], [-1.5, 0.75], [2.0, 1.25], [-0.875, -2.25], [1.25, 2.625], [-2.5, 0.375]],
                     dtype=torch.float64)
    v = torch.tensor([[1.0, 0.5], [-0.25, 1.25], [0.75, -1.5], [1.5, 0.125], [-1.0, -0.625], [0.375, 2.0]],
                     dtype=torch.float64)
    out = {"points": x.tolist(), "direction": v.tolist()}
    for tag, energy in (("mlp", mlp), ("banana", banana)):
        check_first_and_second_order(tag, energy, x, v)
        xg = x.clone().requires_grad_(True)
        out[tag] = {"energies": energy(x).tolist(), "dE_dx": grad_x(energy, xg).tolist(),
                    "hvp": hvp(energy, x, v).tolist()}
    # banana: closed-form gradient as well
    r = x[:, 1] - BANANA_B * x[:, 0] ** 2 + 4 * BANANA_B
    check("banana dE/dx vs closed form", out["banana"]["dE_dx"], torch.stack([x[:, 0] / 4 - 2 * BANANA_B * x[:, 0] * r, r], 1))
    out["banana"].update(formula=BANANA_FORMULA, b=BANANA_B)
    # L = sum over samples of ||dE/dx||^2, differentiated with respect to the parameters
    def sum_sq_grad():
        return (grad_x(mlp, x.clone().requires_grad_(True), create_graph=True) ** 2).sum()
    loss = sum_sq_grad()
    grads = param_grads(net, loss)
    check_param_grads("mlp sum||dE/dx||^2", net, sum_sq_grad, grads)
    out["mlp"]["sum_sq_grad"] = loss.item()
    out["mlp"]["dL_dtheta"] = {k: g.tolist() for k, g in grads.items()}
    out["mlp"]["dL_dtheta_of"] = "L = sum over samples of ||dE/dx||^2"
    write_json(out, "tape_fixture.json")


def hessian_trace(g, xg):
    """Per-sample tr(d2E/dx2) from d Hessian-vector products with the basis vectors; g = dE/dx on the graph."""
    return sum(torch.autograd.grad(g[:, j].sum(), xg, create_graph=True)[0][:, j] for j in range(xg.shape[1]))


def sm_exact(energy, x):
    xg = x.clone().requires_grad_(True)
    g = grad_x(energy, xg, create_graph=True)
    return (0.5 * (g ** 2).sum(1) - hessian_trace(g, xg)).mean()


def ssm(energy, x, projections, variance_reduced):
    xg = x.clone().requires_grad_(True)
    s = -grad_x(energy, xg, create_graph=True)
    terms = []
    for v in projections:
        vs = (v * s).sum(1)
        second = (v * torch.autograd.grad(vs.sum(), xg, create_graph=True)[0]).sum(1)
        first = 0.5 * (s ** 2).sum(1) if variance_reduced else 0.5 * vs ** 2
        terms.append(first + second)
    return torch.stack(terms).mean()


def dsm(energy, x, noise, sigma):
    xt = (x + sigma * noise).requires_grad_(True)
    s = -grad_x(energy, xt, create_graph=True)
    return (0.5 * ((s + (xt - x) / sigma ** 2) ** 2).sum(1)).mean() * sigma ** 2


def make_score_matching_fixture():
    print("score matching fixture (issue 13)")
    net = make_mlp(2028, os.path.join(FIXTURES, "score_matching_torch_mlp.safetensors"))
    mlp = lambda x: net(x).squeeze(-1)  # noqa: E731
    gen = torch.Generator().manual_seed(2029)
    n, d, sigma = 8, 2, 0.1
    # float32 draws (exact in float32), then widened to float64
    x = (1.5 * torch.randn(n, d, generator=gen)).double()
    projections = (torch.randint(0, 2, (2, n, d), generator=gen) * 2 - 1).double()
    noise = torch.randn(n, d, generator=gen).double()
    losses = {"sm_exact": lambda: sm_exact(mlp, x), "ssm": lambda: ssm(mlp, x, projections, False),
              "ssm_vr": lambda: ssm(mlp, x, projections, True), "dsm": lambda: dsm(mlp, x, noise, sigma)}
    # independent route for the values: full per-sample Hessians from torch.autograd.functional.hessian
    hess = torch.stack([torch.autograd.functional.hessian(lambda z: mlp(z[None])[0], xi) for xi in x])
    xg = x.clone().requires_grad_(True)
    check("sm_exact per-sample trace vs full Hessian", hessian_trace(grad_x(mlp, xg, create_graph=True), xg).detach(),
          hess.diagonal(dim1=1, dim2=2).sum(1))
    g = grad_x(mlp, x.clone().requires_grad_(True))
    vHv = torch.einsum("pni,nij,pnj->pn", projections, hess, projections)
    vg = (projections * g).sum(2)
    xt = x + sigma * noise
    gt = grad_x(mlp, xt.clone().requires_grad_(True))
    reference = {"sm_exact": (0.5 * (g ** 2).sum(1) - hess.diagonal(dim1=1, dim2=2).sum(1)).mean(),
                 "ssm": (0.5 * vg ** 2 - vHv).mean(), "ssm_vr": (0.5 * (g ** 2).sum(1) - vHv).mean(),
                 "dsm": (0.5 * ((-gt + noise / sigma) ** 2).sum(1)).mean() * sigma ** 2}
    out = {"sigma": sigma, "points": x.tolist(), "projections": projections.tolist(), "noise": noise.tolist(),
           "convention": "E(x), p ~ exp(-E), score s = -dE/dx; losses are means over samples (and projections)"}
    for key, fn in losses.items():
        loss = fn()
        check(f"{key} value vs Hessian-based recomputation", loss.item(), reference[key].item())
        grads = param_grads(net, loss)
        check_param_grads(key, net, fn, grads)
        out[key] = {"loss": loss.item(), "grads": {k: v.tolist() for k, v in grads.items()}}
    write_json(out, "score_matching_fixture.json")


def write_json(obj, name):
    with open(os.path.join(FIXTURES, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    make_tape_fixture()
    make_score_matching_fixture()
    print("all self-checks passed; wrote tape_torch_mlp.safetensors, tape_fixture.json, "
          "score_matching_torch_mlp.safetensors, score_matching_fixture.json")
