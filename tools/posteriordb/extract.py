#!/usr/bin/env python3
"""Regenerates Engine.Tests/Fixtures/posteriordb/ from a posteriordb checkout (stan-dev/posteriordb, BSD-3).

For each posterior of the suite it writes
  <posterior>.data.json       the model's data, as posteriordb stores it;
  <posterior>.reference.json  per quantity of the reference draws: mean, sd, their Monte Carlo standard errors, and
                              the draws' counts and ESS (nothing else of the draws is kept).

MCSE of the mean: sd / sqrt(ESS of the draws); MCSE of the sd: the delta method on the variance,
sqrt((m4 - var^2) / ESS of the squared centred draws) / (2 sd). Each ESS is Stan's multi-chain estimate (split chains,
Geyer's initial monotone sequence) on the raw (not rank-normalised) values. Plain Python, no numpy.

Usage: tools/posteriordb/extract.py POSTERIORDB [OUT]
  POSTERIORDB: a work tree (with posterior_database/) or a bare git directory (read with `git show HEAD:...`).
  OUT: defaults to Engine.Tests/Fixtures/posteriordb beside this script's repository.
"""
import io
import json
import math
import os
import subprocess
import sys
import zipfile

POSTERIORS = [
    "eight_schools-eight_schools_noncentered",
    "kidiq-kidscore_momiq",
    "kidiq-kidscore_interaction",
    "arK-arK",
    "arma-arma11",
    "garch-garch11",
    "mesquite-logmesquite",
    "mesquite-logmesquite_logvash",
    "mesquite-logmesquite_logvolume",
    "low_dim_gauss_mix-low_dim_gauss_mix",
    "sblrc-blr",
    "kilpisjarvi_mod-kilpisjarvi",
    "gp_pois_regr-gp_regr",
]


def reader(root):
    """A function path -> bytes reading the database's files from a work tree or a git directory."""
    if os.path.isdir(os.path.join(root, "posterior_database")):
        return lambda path: open(os.path.join(root, path), "rb").read()
    return lambda path: subprocess.run(["git", "--git-dir", root, "show", "HEAD:" + path], check=True, capture_output=True).stdout


def unzip_json(blob):
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return json.loads(z.read(z.namelist()[0]))


def autocovariance(x):
    n = len(x)
    m = sum(x) / n
    d = [v - m for v in x]
    # Direct sums, computed lazily by the caller up to the lag Geyer's sequence needs (the draws are near independent).
    return lambda t: sum(d[i] * d[i + t] for i in range(n - t)) / n


def ess(chains):
    """Stan's ESS of split chains (Vehtari et al. 2021 without rank normalisation), as posterior::ess_mean."""
    halves = []
    for c in chains:
        h = len(c) // 2
        halves += [c[:h], c[len(c) - h:]]
    m, n = len(halves), len(halves[0])
    acov = [autocovariance(h) for h in halves]
    means = [sum(h) / n for h in halves]
    grand = sum(means) / m
    w = sum(a(0) for a in acov) / m * n / (n - 1)
    b_over_n = sum((mu - grand) ** 2 for mu in means) / (m - 1)
    var_plus = (n - 1) / n * w + b_over_n
    cache = {}

    def rho(t):
        if t not in cache:
            cache[t] = 1 - (w - sum(a(t) for a in acov) / m) / var_plus
        return cache[t]

    # Geyer's initial positive, monotone sequence over pairs (rho_2k + rho_2k+1).
    tau, previous, t = -1.0, math.inf, 0
    while t + 1 < n - 2:
        pair = rho(t) + rho(t + 1)
        if pair < 0:
            break
        pair = min(pair, previous)
        tau += 2 * pair
        previous = pair
        t += 2
    tau = max(tau, 1 / math.log10(m * n))
    return m * n / tau


def summarise(draws):
    """draws: posteriordb's list of chains, each {name: [values]} -> list of per-quantity summaries."""
    names = list(draws[0].keys())
    out = []
    for name in names:
        chains = [[float(v) for v in chain[name]] for chain in draws]
        values = [v for c in chains for v in c]
        n = len(values)
        mean = sum(values) / n
        var = sum((v - mean) ** 2 for v in values) / (n - 1)
        sd = math.sqrt(var)
        m4 = sum((v - mean) ** 4 for v in values) / n
        ess_mean = ess(chains)
        ess_sq = ess([[(v - mean) ** 2 for v in c] for c in chains])
        out.append({
            "name": name,
            "mean": mean,
            "sd": sd,
            "mcse_mean": sd / math.sqrt(ess_mean),
            "mcse_sd": math.sqrt(max(m4 - var * var, 0.0) / ess_sq) / (2 * sd),
            "ess_mean": ess_mean,
            "ess_sd": ess_sq,
        })
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    read = reader(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "Engine.Tests", "Fixtures", "posteriordb")
    os.makedirs(out, exist_ok=True)
    db = "posterior_database/"
    for posterior in POSTERIORS:
        info = json.loads(read(db + "posteriors/" + posterior + ".json"))
        data = unzip_json(read(db + "data/data/" + info["data_name"] + ".json.zip"))
        draws = unzip_json(read(db + "reference_posteriors/draws/draws/" + posterior + ".json.zip"))
        meta = json.loads(read(db + "reference_posteriors/draws/info/" + posterior + ".info.json"))
        with open(os.path.join(out, posterior + ".data.json"), "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        reference = {
            "posterior": posterior,
            "model": info["model_name"],
            "data": info["data_name"],
            "chains": len(draws),
            "draws_per_chain": len(next(iter(draws[0].values()))),
            "method": meta["inference"],
            "quantities": summarise(draws),
        }
        with open(os.path.join(out, posterior + ".reference.json"), "w") as f:
            json.dump(reference, f, indent=1)
            f.write("\n")
        print(posterior, len(reference["quantities"]), "quantities")


if __name__ == "__main__":
    main()
