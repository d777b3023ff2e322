"""Adaptive sampling vs the full budget: the same pass@k curve at a fraction of the samples.

(a) Simulation with known per-problem success probabilities (Beta(0.3, 1.5), 400 problems,
    n = 256, first = 16, budget = 0.3), many seeds: fraction of samples used, mean and worst
    difference to the full-budget estimate, how often the full estimate falls in the adaptive CI.
(b) A real study through the CLI (`passbound run`): the embedded SmolLM2-135M-Instruct on the
    synthetic benchmark, once with every problem at n and once adaptively; samples drawn by each
    (the baseline: the full run in the same process), pass@k with CIs, and whether the full run's
    pass@k lies inside the adaptive run's CI at every k.

    python benchmarks/adaptive_sampling.py                       # both parts
    python benchmarks/adaptive_sampling.py --skip-real           # simulation only (seconds)
    python benchmarks/adaptive_sampling.py --problems 24 --n 32  # a larger real run
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from passbound.metrics.adaptive import mixed_pass_at_k, second_round
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.passk import pass_at_k_matrix


def simulate(seeds: int, problems: int = 400, n: int = 256, first: int = 16, budget: float = 0.3) -> None:
    ks = [1, 4, 16, 64, 256]
    diffs, inside, fractions = [], np.zeros(len(ks)), []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        p = rng.beta(0.3, 1.5, problems)
        draws = rng.random((problems, n)) < p[:, None]
        full = pass_at_k_matrix(np.full(problems, n), draws.sum(1), ks).mean(0)
        c0 = draws[:, :first].sum(1)
        top = second_round(c0, first, n, budget)
        counts = np.full(problems, first)
        counts[top] = n
        c = c0.copy()
        c[top] = draws[top].sum(1)
        est, var = mixed_pass_at_k(counts, c, ks, n0=first, c0=c0)
        mean = est.mean(0)
        low, high = bootstrap_ci(est, 500, 0.95, seed)
        extra = 1.96 * np.sqrt(var.sum(0)) / problems
        low, high = mean - np.hypot(mean - low, extra), mean + np.hypot(high - mean, extra)
        diffs.append(mean - full)
        inside += (low <= full) & (full <= high)
        fractions.append(counts.sum() / (problems * n))
    d = np.array(diffs)
    print(f"(a) simulation, {seeds} seeds, {problems} problems, n = {n}, first = {first}, budget = {budget}")
    print(f"    samples used: {100 * np.mean(fractions):.1f}% of the full budget")
    for j, k in enumerate(ks):
        print(f"    k = {k:4d}: mean diff {100 * d[:, j].mean():+.2f} pts, worst {100 * np.abs(d[:, j]).max():.2f} pts, "
              f"full estimate inside the adaptive 95% CI in {100 * inside[j] / seeds:.0f}% of runs")


STUDY = """
name = "adaptive-bench"
output = "{out}"
[[models]]
name = "smol"
path = "embedded"
role = "base"
engine = "{engine}"
template = "chat"
[[benchmarks]]
name = "synthetic"
limit = {problems}
options = {{ n_problems = {problems}, levels = [1, 2] }}
[sampling]
n = {n}
temperature = 1.0
max_tokens = {max_tokens}
seed = 11
chunk_size = 8
{adaptive}
[analysis]
bootstrap = 1000
extrapolate = 0
bayes_draws = 0
"""


def real(problems: int, n: int, first: int, budget: float, engine: str, max_tokens: int) -> None:
    with tempfile.TemporaryDirectory(prefix="adaptive-bench-") as tmp:
        results = {}
        for label, adaptive in (("full", ""), ("adaptive", f"adaptive = {{ first = {first}, budget = {budget} }}")):
            study = Path(tmp) / f"{label}.toml"
            study.write_text(STUDY.format(out=Path(tmp) / label, engine=engine, problems=problems, n=n,
                                          max_tokens=max_tokens, adaptive=adaptive))
            start = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "passbound", "run", str(study), "--no-progress"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{label} run failed:\n{done.stderr[-3000:]}")
            samples = len(pd.read_parquet(Path(tmp) / label / "samples"))
            results[label] = (pd.read_csv(Path(tmp) / label / "passk.csv").set_index("k"), samples,
                              time.monotonic() - start)
        full, n_full, t_full = results["full"]
        ada, n_ada, t_ada = results["adaptive"]
        print(f"(b) real run: {problems} synthetic problems, n = {n}, engine {engine}, first = {first}, budget = {budget}")
        print(f"    samples: full {n_full}, adaptive {n_ada} ({100 * n_ada / n_full:.1f}% of the baseline); "
              f"wall time {t_full:.0f}s vs {t_ada:.0f}s")
        for k in full.index:
            f, a = full.loc[k], ada.loc[k]
            ok = a["ci_low"] <= f["pass_at_k"] <= a["ci_high"]
            print(f"    k = {int(k):4d}: full {100 * f['pass_at_k']:5.1f}%  adaptive {100 * a['pass_at_k']:5.1f}% "
                  f"[{100 * a['ci_low']:.1f}, {100 * a['ci_high']:.1f}]  {'inside' if ok else 'OUTSIDE'} its CI")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--problems", type=int, default=12)
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--first", type=int, default=2)
    ap.add_argument("--budget", type=float, default=0.3)
    ap.add_argument("--engine", default="hf", choices=["hf", "vllm"])
    ap.add_argument("--max-tokens", type=int, default=24)
    args = ap.parse_args()
    simulate(args.seeds)
    if not args.skip_real:
        real(args.problems, args.n, args.first, args.budget, args.engine, args.max_tokens)


if __name__ == "__main__":
    main()
