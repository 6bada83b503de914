#!/usr/bin/env python3
"""Writes Engine.Tests/Fixtures/posteriordb/stan_logprob.json: for each posterior of the suite, Stan's log density
(log_prob with adjust_transform = TRUE, i.e. on the unconstrained space with the log-Jacobian) and its gradient at
random unconstrained points, uniform(-2, 2) as Stan's inits, so a test can check that each engine energy is
-log_prob + const with gradient -grad log_prob on identical inputs.

Needs Debian's r-cran-rstan (rstan 2.21) and, because Debian's BH has no headers,
`ln -s /usr/include /usr/lib/R/site-library/BH/include`. Compiled models are cached in ~/.cache/torchebm-posteriordb
(TORCHEBM_STAN_CACHE overrides). Usage: tools/posteriordb/make_logprob_fixture.py [POINTS] [SEED]
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Engine.Tests", "Fixtures", "posteriordb")
sys.path.insert(0, HERE)
from extract import POSTERIORS  # noqa: E402


def rdump(data):
    """posteriordb's JSON data in R's dump format (read_rdump): numbers, vectors, and matrices given as lists of rows."""
    lines = []
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows, cols = len(value), len(value[0])
            column_major = [repr(float(value[r][c])) for c in range(cols) for r in range(rows)]
            lines.append(f"{name} <- structure(c({', '.join(column_major)}), .Dim = c({rows}, {cols}))")
        elif isinstance(value, list):
            lines.append(f"{name} <- c({', '.join(repr(v) for v in value)})")
        else:
            lines.append(f"{name} <- {value!r}")
    return "\n".join(lines) + "\n"


def main():
    points = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261206
    fixture = {"points_per_posterior": points, "seed": seed, "posteriors": []}
    with tempfile.TemporaryDirectory() as tmp:
        for posterior in POSTERIORS:
            reference = json.load(open(os.path.join(FIXTURES, posterior + ".reference.json")))
            data = json.load(open(os.path.join(FIXTURES, posterior + ".data.json")))
            data_file, out_file = os.path.join(tmp, posterior + ".R"), os.path.join(tmp, posterior + ".txt")
            open(data_file, "w").write(rdump(data))
            stan = os.path.join(HERE, "stan", reference["model"] + ".stan")
            subprocess.run(["Rscript", os.path.join(HERE, "stan_logprob.R"), stan, data_file, str(points), str(seed), out_file], check=True)
            rows = [[float(v) for v in line.split()] for line in open(out_file).read().splitlines()]
            dim = (len(rows[0]) - 1) // 2
            fixture["posteriors"].append({
                "posterior": posterior,
                "points": [r[:dim] for r in rows],
                "log_prob": [r[dim] for r in rows],
                "gradient": [r[dim + 1:] for r in rows],
            })
            print(posterior, "dim", dim, flush=True)
    with open(os.path.join(FIXTURES, "stan_logprob.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
