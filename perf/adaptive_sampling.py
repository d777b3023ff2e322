"""Adaptive sampling vs the full budget: the same pass@k curve at a fraction of the samples.

(a) Simulation with known per-problem success probabilities (Beta(0.3, 1.5), 400 problems,
    n = 256, first = 16, budget = 0.3), many seeds: fraction of samples used, mean and worst
    difference to the full-budget estimate, how often the full estimate falls in the adaptive CI.
(b) A real study through the CLI (`passbound run`): the embedded SmolLM2-135M-Instruct on the
    synthetic benchmark, once with every problem at n and once adaptively; samples drawn by each
    (the baseline: the full run in the same process), pass@k with CIs, and whether the full run's
    pass@k lies inside the adaptive run's CI at every k.

    python perf/adaptive_sampling.py                       # both parts
    python perf/adaptive_sampling.py --skip-real           # simulation only (seconds)
    python perf/adaptive_sampling.py --problems 24 --n 32  # a larger real run
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

sys.path.insert(0, str(Path(__file__).parent))
from adaptive_sim import Scenario, sweep  # noqa: E402


def simulate(seeds: int, problems: int = 400, n: int = 256, first: int = 16, budget: float = 0.3) -> None:
    """Part (a): the moderate shape through ``adaptive_sim`` (the sweep over shapes lives there)."""
    table = sweep([Scenario("moderate", problems, n, first, budget)], seeds)
    print(f"(a) simulation, {seeds} seeds, {problems} problems, n = {n}, first = {first}, budget = {budget}")
    print(f"    samples used: {100 * table['fraction'].iloc[0]:.1f}% of the full budget")
    for row in table.itertuples():
        print(
            f"    k = {row.k:4d}: mean diff {100 * row.bias:+.2f} pts (sd {100 * row.sd:.2f}), full estimate inside "
            f"the adaptive 95% CI in {100 * row.coverage:.0f}% of runs"
        )


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
            study.write_text(
                STUDY.format(
                    out=Path(tmp) / label,
                    engine=engine,
                    problems=problems,
                    n=n,
                    max_tokens=max_tokens,
                    adaptive=adaptive,
                )
            )
            start = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-m", "passbound", "run", str(study), "--no-progress"], capture_output=True, text=True
            )
            if done.returncode != 0:
                raise SystemExit(f"{label} run failed:\n{done.stderr[-3000:]}")
            samples = len(pd.read_parquet(Path(tmp) / label / "samples"))
            results[label] = (
                pd.read_csv(Path(tmp) / label / "passk.csv").set_index("k"),
                samples,
                time.monotonic() - start,
            )
        full, n_full, t_full = results["full"]
        ada, n_ada, t_ada = results["adaptive"]
        print(
            f"(b) real run: {problems} synthetic problems, n = {n}, engine {engine}, first = {first}, budget = {budget}"
        )
        print(
            f"    samples: full {n_full}, adaptive {n_ada} ({100 * n_ada / n_full:.1f}% of the baseline); "
            f"wall time {t_full:.0f}s vs {t_ada:.0f}s"
        )
        for k in full.index:
            f, a = full.loc[k], ada.loc[k]
            ok = a["ci_low"] <= f["pass_at_k"] <= a["ci_high"]
            print(
                f"    k = {int(k):4d}: full {100 * f['pass_at_k']:5.1f}%  adaptive {100 * a['pass_at_k']:5.1f}% "
                f"[{100 * a['ci_low']:.1f}, {100 * a['ci_high']:.1f}]  {'inside' if ok else 'OUTSIDE'} its CI"
            )


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
