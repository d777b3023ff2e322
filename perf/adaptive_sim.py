"""Adaptive sampling on simulations: does the adaptive interval cover the full budget's pass@k?

Each run draws every problem's success probability p from a shape, then every sample a full
run would draw (P x n Bernoulli(p)). The full budget's estimate is the unbiased pass@k on all n;
the adaptive run sees round one (``first`` per problem), tops up the problems ``second_round``
picks (``replay``), and reports ``adaptive_curve``'s mean and interval, exactly as ``passbound run`` does.
Per (scenario, k) over seeds: how often the interval holds the full-budget value, the mean
difference (bias), its spread, the interval's half-width and the fraction of samples used.

Shapes: ``weak`` Beta(0.1, 3) (most problems near p = 0: where four samples say little about
pass@32), ``moderate`` Beta(0.3, 1.5) (the earlier simulation), ``strong`` Beta(2, 1), and
``mixed``: 30% impossible (p = 0), 35% Beta(0.1, 3), 35% Beta(2, 1) (a shape no Beta prior has).

    python perf/adaptive_sim.py                      # the sweep, 40 seeds per scenario
    python perf/adaptive_sim.py --seeds 12 --shapes weak --n 32 --first 4
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from passbound.metrics.adaptive import adaptive_curve, replay
from passbound.metrics.passk import pass_at_k_matrix

Shape = Callable[[np.random.Generator, int], np.ndarray]


def _mixed(rng: np.random.Generator, size: int) -> np.ndarray:
    kind = rng.choice(3, size=size, p=[0.3, 0.35, 0.35])
    return np.where(kind == 0, 0.0, np.where(kind == 1, rng.beta(0.1, 3.0, size), rng.beta(2.0, 1.0, size)))


SHAPES: dict[str, Shape] = {
    "weak": lambda rng, size: rng.beta(0.1, 3.0, size),
    "moderate": lambda rng, size: rng.beta(0.3, 1.5, size),
    "strong": lambda rng, size: rng.beta(2.0, 1.0, size),
    "mixed": _mixed,
}


@dataclass(frozen=True)
class Scenario:
    shape: str
    problems: int
    n: int
    first: int
    budget: float = 0.3

    @property
    def ks(self) -> list[int]:
        """Doublings from 1 to n (n itself included)."""
        return sorted({2**i for i in range(int(np.log2(self.n)) + 1)} | {self.n})


def run_once(sc: Scenario, seed: int, *, n_boot: int = 400, ci: float = 0.95) -> dict[str, np.ndarray | float]:
    """One simulated study: the full budget's curve, the adaptive one with its interval, samples used."""
    rng = np.random.default_rng(seed)
    p = SHAPES[sc.shape](rng, sc.problems)
    draws = rng.random((sc.problems, sc.n)) < p[:, None]  # every sample the full run would draw
    full = pass_at_k_matrix(np.full(sc.problems, sc.n), draws.sum(axis=1), sc.ks).mean(axis=0)
    counts, c, c0 = replay(draws, sc.first, sc.budget)
    mean, low, high = adaptive_curve(counts, c, sc.ks, n0=sc.first, c0=c0, n_boot=n_boot, ci=ci, seed=seed)
    return dict(full=full, mean=mean, low=low, high=high, fraction=counts.sum() / (sc.problems * sc.n))


def sweep(scenarios: Sequence[Scenario], seeds: int, *, n_boot: int = 400) -> pd.DataFrame:
    """Per (scenario, k): coverage of the full-budget value, bias, sd of the difference, half-width."""
    rows = []
    for sc in scenarios:
        runs = [run_once(sc, seed, n_boot=n_boot) for seed in range(seeds)]
        full, mean = np.array([r["full"] for r in runs]), np.array([r["mean"] for r in runs])
        low, high = np.array([r["low"] for r in runs]), np.array([r["high"] for r in runs])
        fraction = float(np.mean([r["fraction"] for r in runs]))
        for j, k in enumerate(sc.ks):
            d = mean[:, j] - full[:, j]
            rows.append(
                dict(
                    shape=sc.shape,
                    problems=sc.problems,
                    n=sc.n,
                    first=sc.first,
                    k=k,
                    coverage=float(np.mean((low[:, j] <= full[:, j]) & (full[:, j] <= high[:, j]))),
                    bias=float(d.mean()),
                    sd=float(d.std()),
                    half_width=float(np.mean(high[:, j] - low[:, j]) / 2),
                    full=float(full[:, j].mean()),
                    fraction=fraction,
                )
            )
    return pd.DataFrame(rows)


def scenarios(
    shapes: Sequence[str], ns: Sequence[int], firsts: Sequence[int], problems: Sequence[int], budget: float = 0.3
) -> list[Scenario]:
    """Every combination whose round one fits in the budget with room to top something up."""
    out = []
    for shape, n, first, P in itertools.product(shapes, ns, firsts, problems):
        if first < n and (budget * n - first) * P >= n - first:
            out.append(Scenario(shape, P, n, first, budget))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES))
    ap.add_argument("--n", type=int, nargs="+", default=[32, 256])
    ap.add_argument("--first", type=int, nargs="+", default=[4, 8, 16])
    ap.add_argument("--problems", type=int, nargs="+", default=[24, 200])
    ap.add_argument("--budget", type=float, default=0.3)
    ap.add_argument("--n-boot", type=int, default=400)
    ap.add_argument("--csv", help="also write the table here")
    args = ap.parse_args()
    start = time.monotonic()
    table = sweep(
        scenarios(args.shapes, args.n, args.first, args.problems, args.budget), args.seeds, n_boot=args.n_boot
    )
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 1000)
    shown = table.assign(
        coverage=(100 * table["coverage"]).round(0),
        bias=(100 * table["bias"]).round(2),
        sd=(100 * table["sd"]).round(2),
        half_width=(100 * table["half_width"]).round(2),
        full=(100 * table["full"]).round(1),
        fraction=(100 * table["fraction"]).round(1),
    )
    print(f"{args.seeds} seeds per scenario; coverage %, bias/sd/half_width/full in points, fraction % of samples")
    print(shown.to_string(index=False))
    print(
        f"worst coverage {100 * table['coverage'].min():.0f}%, largest |bias| {100 * table['bias'].abs().max():.2f} "
        f"points, most samples {100 * table['fraction'].max():.1f}%; {time.monotonic() - start:.0f} s"
    )
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
