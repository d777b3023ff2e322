"""Headline findings on small hand-made tables: common k_max, ties, wording, escaping."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd

from passbound.report import load_run
from passbound.report._findings import (
    Crossover,
    Standing,
    benchmark_findings,
    describe_best,
    describe_crossover,
)
from passbound.report._markdown import code


def _run_dir(tmp_path: Path, curves: dict[str, dict[int, float]]) -> Path:
    rows = [
        dict(
            model=m,
            role="base" if m == "base" else "rl",
            benchmark="b",
            k=k,
            pass_at_k=v,
            ci_low=v,
            ci_high=v,
            n_problems=10,
            n_samples=max(c),
        )
        for m, c in curves.items()
        for k, v in c.items()
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "passk.csv", index=False)
    summ = [
        dict(
            model=m,
            role="rl",
            step=None,
            benchmark="b",
            n_problems=10,
            n_samples=max(c),
            pass_at_1=c[1],
            pass_at_kmax=c[max(c)],
            k_max=max(c),
            maj_at_kmax=c[1],
            n_pass=1,
            n_fail=1,
            n_timeout=0,
            n_error=0,
            n_no_answer=0,
        )
        for m, c in curves.items()
    ]
    pd.DataFrame(summ).to_csv(tmp_path / "summary.csv", index=False)
    return tmp_path


def test_k_max_is_shared_by_all_models(tmp_path: Path) -> None:
    # "big" has 64 samples and leads at k=64, but "small" stops at k=32 (NaN beyond): the
    # k_max claim must compare both at k=32, where "small" leads.
    curves = {"big": {1: 0.1, 32: 0.5, 64: 0.9}, "small": {1: 0.2, 32: 0.6, 64: math.nan}}
    f = benchmark_findings(load_run(_run_dir(tmp_path, curves)), "b")
    assert f.k_max == 32
    assert [s.model for s in f.best_at_kmax] == ["small"]
    assert f.runner_up_at_kmax is not None and f.runner_up_at_kmax.model == "big"
    assert [s.model for s in f.best_at_1] == ["small"]
    assert f.crossovers == [] and f.delta_se == [] and f.paired == []


def test_ties_are_reported_as_ties(tmp_path: Path) -> None:
    curves = {"a": {1: 0.3, 8: 1.0}, "b2": {1: 0.1, 8: 1.0}}
    f = benchmark_findings(load_run(_run_dir(tmp_path, curves)), "b")
    assert describe_best(f.best_at_kmax, f.runner_up_at_kmax, str) == "tie: a, b2 (100.0%)"
    assert describe_best(f.best_at_1, f.runner_up_at_1, str) == "a (30.0%), ahead of b2 (10.0%)"


def test_crossover_wording() -> None:
    never = Crossover("rl", "base", None, model_wins_at_1=True, base_wins_at_kmax=False)
    assert describe_crossover(never, str) == "rl vs base: no crossing (rl ahead at every k)"
    flip = Crossover("rl", "base", 16.0, model_wins_at_1=True, base_wins_at_kmax=True)
    assert describe_crossover(flip, str) == "base overtakes rl at k = 16"
    up = Crossover("d", "base", 4.0, model_wins_at_1=False, base_wins_at_kmax=False)
    assert describe_crossover(up, str) == "d overtakes base at k = 4"
    assert describe_best([Standing("x", math.nan, math.nan, math.nan)], None, str) == "x (—%)"


def test_crossing_is_where_the_order_flips(tmp_path: Path) -> None:
    # crossover.csv says k = 1 whenever the base leads at k = 1; that is no crossing. paired.csv
    # (model − base) shows "up" getting ahead at k = 4 and "down" never.
    curves = {"base": {1: 0.4, 2: 0.5, 4: 0.6}, "up": {1: 0.3, 2: 0.45, 4: 0.7}, "down": {1: 0.1, 2: 0.2, 4: 0.3}}
    run_dir = _run_dir(tmp_path, curves)
    pd.DataFrame(
        [
            dict(
                benchmark="b",
                model=m,
                base_model="base",
                crossover_k=1,
                model_wins_at_1=False,
                base_wins_at_kmax=m == "down",
            )
            for m in ("up", "down")
        ]
    ).to_csv(run_dir / "crossover.csv", index=False)
    pd.DataFrame(
        [
            dict(benchmark="b", model=m, reference="base", k=k, diff=v - curves["base"][k], ci_low=-1, ci_high=1)
            for m in ("up", "down")
            for k, v in curves[m].items()
        ]
    ).to_csv(run_dir / "paired.csv", index=False)
    f = benchmark_findings(load_run(run_dir), "b")
    words = [describe_crossover(c, str) for c in f.crossovers]
    assert words == ["up overtakes base at k = 4", "down vs base: no crossing (base ahead at every k)"]


def test_markdown_code_span_survives_pipes_and_backticks() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("x`y") == "``x`y``"
    assert code("`edge") == "`` `edge ``"
    assert code("two\nlines") == "`two lines`"


def test_import_stays_cheap() -> None:
    # Only what passbound.report itself adds on top of `import passbound` is its responsibility.
    probe = (
        "import sys, passbound; before = set(sys.modules); import passbound.report; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "heavy = ('matplotlib', 'pandas', 'torch', 'vllm', 'PIL'); "
        "print(sorted(m for m in heavy\n"
        "             if m in new or (m == 'matplotlib' and m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
