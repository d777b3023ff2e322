"""Support expansion / shrinkage vs the base on hand-built verdicts."""

from __future__ import annotations

import pandas as pd
import pytest
from _boundary_data import MODELS, empty_verdicts, rows, study_verdicts

from passbound.metrics.boundary import analyse_boundary, problem_counts
from passbound.metrics.support import ALL, support_tables


def test_support_counts_rates_and_classes() -> None:
    table, problems = support_tables(problem_counts(study_verdicts()), MODELS, n_boot=300)
    t = table.set_index("model")
    assert list(t.index) == ["R", "D"] and set(t["base_model"]) == {"B"}
    r = t.loc["R"]  # shared p1..p5: p1 p5 both, p2 R only, p3 B only, p4 neither
    assert (r.n_problems, r.n_preserved, r.n_expansion, r.n_shrinkage, r.n_neither) == (5, 2, 1, 1, 1)
    assert (r.expansion_rate, r.shrinkage_rate) == pytest.approx((0.2, 0.2))
    d = t.loc["D"]
    assert (d.n_preserved, d.n_expansion, d.n_shrinkage, d.n_neither) == (2, 0, 1, 2)
    assert d.expansion_rate == 0 and d.expansion_ci_low == 0 and d.expansion_ci_high == 0
    for col in ("expansion", "shrinkage"):
        assert (t[f"{col}_ci_low"] <= t[f"{col}_rate"]).all() and (t[f"{col}_rate"] <= t[f"{col}_ci_high"]).all()
    assert r.shrinkage_ci_high > r.shrinkage_ci_low  # one problem in five: the interval is not a point

    rp = problems[problems["model"] == "R"].set_index("problem_id")
    assert list(rp.index) == ["p1", "p2", "p3", "p4", "p5"]
    assert rp["class"].tolist() == ["preserved", "expansion", "shrinkage", "neither", "preserved"]
    assert (rp.loc["p2", "model_acc"], rp.loc["p2", "base_acc"]) == (0.25, 0.0)
    assert (rp.loc["p3", "model_acc"], rp.loc["p3", "base_acc"]) == (0.0, 0.25)
    assert (rp["model_n"] == 4).all() and len(problems) == 10


def test_all_expansion_has_a_degenerate_interval() -> None:
    v = study_verdicts({"B": {"a": 0, "b": 0, "c": 0}, "R": {"a": 1, "b": 4, "c": 2}})
    table, _ = support_tables(problem_counts(v), MODELS, n_boot=100)
    r = table.iloc[0]
    assert (r.expansion_rate, r.expansion_ci_low, r.expansion_ci_high) == (1.0, 1.0, 1.0)
    assert (r.shrinkage_rate, r.shrinkage_ci_high) == (0.0, 0.0)


def test_totals_pool_every_benchmark() -> None:
    # code: B solves t1 only, R solves t2 only -> one shrinkage, one expansion; D has no code.
    code = pd.DataFrame(rows("B", "code", {"t1": 1, "t2": 0}) + rows("R", "code", {"t1": 0, "t2": 2}))
    v = pd.concat([study_verdicts(), code], ignore_index=True)
    table, _ = support_tables(problem_counts(v), MODELS, n_boot=300)
    assert list(zip(table["benchmark"], table["model"])) == [
        ("code", "R"),
        ("math", "R"),
        ("math", "D"),
        (ALL, "R"),
    ]  # D is on one benchmark: no total
    r = table[table["benchmark"] == ALL].iloc[0]
    # math: preserved 2, expansion 1, shrinkage 1, neither 1; code: expansion 1, shrinkage 1
    assert (r.n_problems, r.n_preserved, r.n_expansion, r.n_shrinkage, r.n_neither) == (7, 2, 2, 2, 1)
    assert (r.expansion_rate, r.shrinkage_rate) == pytest.approx((2 / 7, 2 / 7))
    assert r.expansion_ci_low < 2 / 7 < r.expansion_ci_high and r.base_model == "B"


def test_support_is_deterministic_for_a_seed() -> None:
    v = study_verdicts()
    a = analyse_boundary(v, MODELS, [1, 4], n_boot=200, seed=7)
    b = analyse_boundary(v, MODELS, [1, 4], n_boot=200, seed=7)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_empty_support_has_columns() -> None:
    table, problems = support_tables(problem_counts(empty_verdicts()), MODELS)
    assert table.empty and "shrinkage_ci_high" in table.columns
    assert problems.empty and list(problems.columns)[:5] == ["benchmark", "model", "base_model", "problem_id", "class"]


@pytest.mark.slow
def test_full_scale_is_fast() -> None:
    """5 models x 6 benchmarks x 500 problems x n = 1024 = 15.4M verdict rows."""
    import time

    from test_analyse_verdicts import synthetic_verdicts

    df = synthetic_verdicts(models=5, benchmarks=6, problems=500, n=1024)
    models = [
        {"name": "m0", "role": "base", "step": None, "base": None},
        {"name": "m1", "role": "rl", "step": None, "base": "m0"},
        {"name": "m2", "role": "distill", "step": None, "base": "m0"},
        {"name": "m3", "role": "checkpoint", "step": 100, "base": "m0"},
        {"name": "m4", "role": "checkpoint", "step": 200, "base": "m0"},
    ]
    start = time.perf_counter()
    out = analyse_boundary(df, models, [1 << i for i in range(11)], n_boot=1000)
    elapsed = time.perf_counter() - start
    assert len(out["support"]) == 4 * 6 + 4 and len(out["support_problems"]) == 4 * 6 * 500
    assert len(out["overlap"]) == 6 * (4 + 6) and len(out["accuracy_hist"]) == 5 * 6 * 12
    assert (out["series"]["k_max"] == 1024).all() and len(out["series"]) == 6 * 3
    assert elapsed < 60, f"analyse_boundary took {elapsed:.0f}s on 15.4M rows"


def test_invisible_leash_metrics_by_hand() -> None:
    """R vs B: P = 2, E = 1, S = 1 -> SRR = 2/3, NDR = 1/3, NSCR = 0/4, SDS = 2(2/9)/(1) = 4/9.
    D vs B: P = 2, E = 0, S = 1 -> SRR = 2/3, NDR = 0, NSCR = -1/3, SDS = 0."""
    table, _ = support_tables(problem_counts(study_verdicts()), MODELS, n_boot=50)
    t = table.set_index("model")
    r, d = t.loc["R"], t.loc["D"]
    assert (
        r.support_retention_rate,
        r.new_discovery_rate,
        r.net_support_change,
        r.support_dynamics_score,
    ) == pytest.approx((2 / 3, 1 / 3, 0.0, 4 / 9))
    assert (
        d.support_retention_rate,
        d.new_discovery_rate,
        d.net_support_change,
        d.support_dynamics_score,
    ) == pytest.approx((2 / 3, 0.0, -1 / 3, 0.0))


def test_invisible_leash_metrics_with_empty_denominators() -> None:
    import math

    from passbound.metrics.support import support_dynamics

    nothing = support_dynamics(0, 0, 0)
    assert all(math.isnan(v) for v in nothing.values())
    only_new = support_dynamics(0, 3, 0)  # the base solves nothing: no retention to speak of
    assert math.isnan(only_new["support_retention_rate"]) and only_new["new_discovery_rate"] == 1.0
    assert only_new["net_support_change"] == 1.0 and math.isnan(only_new["support_dynamics_score"])
