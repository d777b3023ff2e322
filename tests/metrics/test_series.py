"""Training-step series and the algorithm table on hand-built verdicts with known pass@k."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _boundary_data import MATH, MODELS, rows, study_verdicts

from passbound.metrics.boundary import problem_counts
from passbound.metrics.series import algorithm_table, crossing_k, training_series
from passbound.metrics.study_tables import analyse_verdicts

CKPTS = [
    {"name": "B", "role": "base", "step": None, "base": None},
    {"name": "C2", "role": "checkpoint", "step": 100, "base": "B"},  # listed before C1 on purpose
    {"name": "C1", "role": "checkpoint", "step": 50, "base": "B"},
]
SERIES = {
    "B": MATH["B"],  # pass@1 7/20, pass@4 3/5
    "C1": {"p1": 3, "p2": 0, "p3": 2, "p4": 1, "p5": 4},  # pass@1 10/20, pass@4 4/5
    "C2": {"p1": 4, "p2": 0, "p3": 4, "p4": 0, "p5": 4},  # pass@1 12/20, pass@4 3/5
}


def test_series_sorted_by_step_with_base_at_zero() -> None:
    df = training_series(problem_counts(study_verdicts(SERIES)), CKPTS, [1, 2, 4, 8], n_boot=200)
    assert list(df["model"]) == ["B", "C1", "C2"] and list(df["step"]) == [0, 50, 100]
    assert set(df["base_model"]) == {"B"} and (df["k_max"] == 4).all()
    assert df["pass_at_1"].tolist() == pytest.approx([0.35, 0.5, 0.6])
    assert df["pass_at_kmax"].tolist() == pytest.approx([0.6, 0.8, 0.6])
    for col in ("pass_at_1", "pass_at_kmax"):
        assert (df[f"{col}_ci_low"] <= df[col] + 1e-12).all() and (df[col] <= df[f"{col}_ci_high"] + 1e-12).all()
    assert (df["pass_at_1_ci_high"] > df["pass_at_1_ci_low"]).all()


def test_series_k_max_is_shared_when_samples_are_ragged() -> None:
    v = pd.concat([study_verdicts(SERIES), pd.DataFrame(rows("C1", "math", {"p6": 1}, n=2))])
    df = training_series(problem_counts(v), CKPTS, [1, 2, 4], n_boot=0)
    assert (df["k_max"] == 2).all()
    # B's pass@2 by hand: p1 1-C(2,2)/C(4,2) = 5/6, p3 1-C(3,2)/C(4,2) = 1/2, p5 1 -> 7/3 over 5
    assert df.loc[df["model"] == "B", "pass_at_kmax"].iloc[0] == pytest.approx(7 / 15)
    assert df["pass_at_1_ci_low"].isna().all()  # n_boot = 0: no interval


def test_no_checkpoints_no_series() -> None:
    df = training_series(problem_counts(study_verdicts()), MODELS, [1, 4])
    assert df.empty and "pass_at_kmax_ci_high" in df.columns


def test_algorithm_table_by_hand() -> None:
    models = MODELS + [{"name": "solo", "role": "rl", "step": None, "base": None}]
    v = pd.concat([study_verdicts(), pd.DataFrame(rows("solo", "math", {"p1": 1}))])
    df = algorithm_table(problem_counts(v), models, [1, 2, 4], n_boot=200).set_index("model")
    assert list(df.index) == ["R", "D", "solo"] and (df["k_max"] == 4).all()
    r = df.loc["R"]  # own problems p1..p6; vs base on the shared p1..p5
    assert (r.pass_at_1, r.pass_at_kmax) == pytest.approx((0.5, 4 / 6))
    assert (r.base_pass_at_1, r.base_pass_at_kmax) == pytest.approx((0.35, 0.6))
    assert r.delta_se == pytest.approx(0.6 - 0.45)
    assert r.crossover_k == 4  # R ahead at k = 1, 2; tied (0.6 each) at k = 4: base has caught up
    d = df.loc["D"]
    assert (d.pass_at_1, d.pass_at_kmax, d.delta_se) == pytest.approx((0.1, 0.4, 0.5))
    assert pd.isna(d.crossover_k)  # the base leads D at every k: no crossing (not "k = 1")
    solo = df.loc["solo"]
    assert solo.base_model == "" and math.isnan(solo.delta_se) and pd.isna(solo.crossover_k)
    assert solo.pass_at_1 == 0.25


def test_algorithm_table_agrees_with_analyse_verdicts() -> None:
    rng = np.random.default_rng(3)
    table = {m: {f"q{i}": int(rng.integers(0, 9)) for i in range(40)} for m in ("B", "R", "D")}
    v = study_verdicts(table, n=8)
    ks = [1, 2, 4, 8]
    mine = algorithm_table(problem_counts(v), MODELS, ks, n_boot=300, seed=5).set_index("model")
    ref = analyse_verdicts(v, MODELS, ks, n_boot=300, seed=5)
    for r in ref["delta_se"].itertuples():
        row = mine.loc[r.rl_model]
        assert (row.delta_se, row.delta_se_ci_low, row.delta_se_ci_high) == pytest.approx(
            (r.delta_se, r.ci_low, r.ci_high), abs=1e-12
        )
    paired = ref["paired"]
    for r in ref["crossover"].itertuples():
        got = mine.loc[r.model, "crossover_k"]
        if r.model_wins_at_1:  # same definition as crossover.csv: where the base reaches the model
            assert (pd.isna(got) and pd.isna(r.crossover_k)) or got == r.crossover_k
        else:  # base ahead at k = 1: the first k where the model gets ahead, if any
            diff = paired[paired["model"] == r.model].set_index("k")["diff"]
            ahead = [k for k in ks if diff[k] > 1e-12]
            assert (pd.isna(got) and not ahead) or got == ahead[0]
    assert len(ref["crossover"]) == 2  # R and D were both compared (crossings: tests below)
    summ = ref["summary"].set_index("model")
    assert mine.loc["R", "pass_at_kmax"] == pytest.approx(summ.loc["R", "pass_at_kmax"])


def test_crossover_where_the_model_overtakes_its_base() -> None:
    # n = 4. B: a 2, b 2, c 0 -> pass@1 1/3, pass@2 (5/6 + 5/6)/3 = 5/9, pass@4 2/3.
    # M: 1 pass on each -> pass@1 1/4, pass@2 1/2, pass@4 1: behind at k = 1, 2, ahead at 4.
    models = [MODELS[0], {"name": "M", "role": "rl", "step": None, "base": "B"}]
    v = study_verdicts({"B": {"a": 2, "b": 2, "c": 0}, "M": {"a": 1, "b": 1, "c": 1}})
    df = algorithm_table(problem_counts(v), models, [1, 2, 4], n_boot=50).set_index("model")
    assert df.loc["M", "crossover_k"] == 4
    assert df.loc["M", "delta_se"] == pytest.approx(2 / 3 - 1 / 4)


def test_crossing_k_rules() -> None:
    ks = [1, 2, 4, 8]
    assert crossing_k(ks, np.array([0.5, 0.6, 0.7, 0.8]), np.array([0.2, 0.5, 0.7, 0.9])) == 4  # tie counts
    assert crossing_k(ks, np.array([0.5, 0.6, 0.7, 0.8]), np.array([0.2, 0.3, 0.4, 0.5])) is None
    assert crossing_k(ks, np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.2, 0.3, 0.4, 0.5])) is None
    assert crossing_k(ks, np.array([0.2, 0.3, 0.5, 0.6]), np.array([0.2, 0.3, 0.4, 0.5])) == 4  # level, then ahead
