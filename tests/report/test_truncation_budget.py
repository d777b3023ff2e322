"""truncation.csv, budget_passk.csv, budget_crossover.csv and crossover.csv's interval against
hand-computed values.

The run is real (prepare, the real math verifier, analyse, report) over samples whose verdicts,
finish reasons and lengths are fixed by hand: two models, two problems, four samples each,
``max_tokens = 16`` (budgets 1, 2, 4, 8, 16).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from passbound.analyses.budget_passk import budgets, passes_within
from passbound.analyses.truncation import wilson
from passbound.config import study_from_dict
from passbound.metrics.crossover import crossover_interval
from passbound.metrics.passk import pass_at_k_matrix
from passbound.stages import analyse_run, prepare_run, report_run, verify_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

# model -> per problem: (passes, finish_reason, n_tokens) of samples 0..3
SAMPLES = {
    "base": [
        [(True, "stop", 2), (True, "length", 6), (False, "stop", 4), (False, "stop", 4)],
        [(False, "stop", 3), (False, "stop", 3), (False, "stop", 3), (True, "stop", 12)],
    ],
    "rl": [
        [(True, "stop", 3), (True, "stop", 10), (False, "length", 16), (False, "stop", 5)],
        [(True, "stop", 7), (True, "length", 16), (False, "length", 16), (True, "stop", 16)],
    ],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = study_from_dict(
        {
            "name": "budgets",
            "output": str(tmp_path_factory.mktemp("budgets") / "run"),
            "models": [
                {"name": "base", "path": "none", "role": "base", "engine": "hf"},
                {"name": "rl", "path": "none", "role": "rl", "engine": "hf", "base": "base"},
            ],
            "benchmarks": [{"name": "synthetic", "limit": 2, "options": {"n_problems": 2, "levels": [1]}}],
            "sampling": {"n": 4, "chunk_size": 2, "max_tokens": 16},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 200, "extrapolate": 0, "bayes_draws": 0},
        }
    )
    out = prepare_run(study)
    problems = out.read_problems("synthetic")
    for model, per_problem in SAMPLES.items():
        rows = [
            Sample(
                model, "synthetic", q.id, j, f"\\boxed{{{q.target if ok else int(q.target) + 1}}}", reason, tokens, 0
            )
            for q, samples in zip(problems, per_problem)
            for j, (ok, reason, tokens) in enumerate(samples)
        ]
        out.write_shard("samples", model, "synthetic", 0, samples_to_table(rows))
    verify_run(study, out, show_progress=False)
    analyse_run(study, out)
    report_run(out)
    return out.path


def test_truncation_table_by_hand(run: Path) -> None:
    t = pd.read_csv(run / "truncation.csv").set_index("model")
    assert list(t.index) == ["base", "rl"] and set(t["max_tokens"]) == {16}
    assert list(t["n_samples"]) == [8, 8] and list(t["n_length"]) == [1, 3]
    assert t.loc["rl", "length_share"] == 3 / 8
    assert (t.loc["rl", "length_ci_low"], t.loc["rl", "length_ci_high"]) == pytest.approx(wilson(3, 8, 0.95))
    # pass@1: mean over problems; on finished samples rl's problem 0 has 2 of 3, problem 1 2 of 2.
    assert t.loc["rl", "pass_at_1"] == pytest.approx((2 / 4 + 3 / 4) / 2)
    assert t.loc["rl", "pass_at_1_finished"] == pytest.approx((2 / 3 + 1) / 2)
    assert t.loc["base", "pass_at_1_finished"] == pytest.approx((1 / 3 + 1 / 4) / 2)
    assert t.loc["rl", "mean_tokens_pass"] == pytest.approx((3 + 10 + 7 + 16 + 16) / 5)
    assert t.loc["rl", "median_tokens_pass"] == 10 and t.loc["rl", "median_tokens_fail"] == 16
    assert t.loc["rl", "mean_tokens_fail"] == pytest.approx((16 + 5 + 16) / 3)
    # 3/8 vs 1/8 of samples capped: the page and summary.md warn.
    assert "their curves then compare budgets, not boundaries" in (run / "report.html").read_text()
    assert "hits the token cap in 37.5% of samples and `base` in 12.5%" in (run / "summary.md").read_text()
    # The section stands beside the curves it qualifies: right after them, before the ΔSE table.
    html = (run / "report.html").read_text()
    assert html.index('id="curves"') < html.index('<h2 id="truncation"') < html.index('id="delta-se"')


def test_budget_passk_by_hand(run: Path) -> None:
    b = pd.read_csv(run / "budget_passk.csv")
    assert sorted(set(b["budget"])) == [1, 2, 4, 8, 16] and sorted(set(b["k"])) == [1, 2, 4]

    def at(model: str, budget: int, k: int) -> pd.Series:
        row = b[(b["model"] == model) & (b["budget"] == budget) & (b["k"] == k)]
        assert len(row) == 1
        return row.iloc[0]

    # B = 8 cuts rl's 10- and 16-token passes: one pass left on each problem.
    assert at("rl", 8, 1).pass_at_k == pytest.approx(0.25) and at("rl", 8, 2).pass_at_k == pytest.approx(0.5)
    assert at("rl", 8, 1).n_within == 2
    assert at("rl", 4, 1).pass_at_k == pytest.approx(0.125) and at("rl", 2, 1).pass_at_k == 0
    # base's 6-token pass hit the cap: a fail at B = 8 although it is shorter than B.
    assert at("base", 8, 1).pass_at_k == pytest.approx(0.125) and at("base", 2, 1).pass_at_k == pytest.approx(0.125)
    assert at("base", 16, 1).pass_at_k == pytest.approx((2 / 4 + 1 / 4) / 2)
    assert (b["ci_low"] <= b["pass_at_k"] + 1e-12).all() and (b["pass_at_k"] <= b["ci_high"] + 1e-12).all()
    # At B = max_tokens every verdict stands: the rows equal passk.csv, intervals included.
    full = b[b["budget"] == 16].reset_index(drop=True)
    passk = pd.read_csv(run / "passk.csv")
    cols = ["model", "benchmark", "k", "pass_at_k", "ci_low", "ci_high", "n_problems", "n_samples"]
    pd.testing.assert_frame_equal(full[cols], passk[cols])
    html = (run / "report.html").read_text()
    assert 'id="budget"' in html and 'alt="pass@k against token budget"' in html


def test_crossover_interval_in_the_tables(run: Path) -> None:
    c = pd.read_csv(run / "crossover.csv").iloc[0]
    # rl leads at k = 1 (0.625 vs 0.375); at k = 4 both reach 1: the base catches up there. A resample
    # crosses there or never: rl is ahead at k = 2 on problem 1, level on problem 0.
    assert (c.model, c.crossover_k, c.crossover_ci_low) == ("rl", 4, 4)
    # Resamples of problem 0 alone (tied at k = 1, never crossing) are about a quarter.
    assert math.isnan(c.crossover_ci_high) and 0.6 < c.crossing_share < 0.9
    per_budget = pd.read_csv(run / "budget_crossover.csv").set_index("budget")
    assert per_budget.loc[16, ["crossover_k", "crossover_ci_low", "crossing_share"]].tolist() == pytest.approx(
        [c.crossover_k, c.crossover_ci_low, c.crossing_share]
    )
    assert "catches up with `rl` at k = 4 (bootstrap interval k ∈ [4, no crossing]" in (run / "summary.md").read_text()
    # At B = 1 nothing passes: the curves never change order.
    assert math.isnan(per_budget.loc[1, "crossover_k"]) and per_budget.loc[1, "crossing_share"] == 0


def test_wilson_and_budget_grid() -> None:
    assert wilson(2, 10, 0.95) == pytest.approx((0.0567, 0.5098), abs=1e-4)  # Wilson (1927), tabulated
    assert wilson(0, 8, 0.95)[0] == 0 and wilson(0, 8, 0.95)[1] > 0
    assert budgets(16) == [1, 2, 4, 8, 16] and budgets(32768) == [2**j for j in range(5, 15)] + [32768]
    assert budgets(1000) == [2**j for j in range(10)] + [1000]
    status = pd.Series(["pass", "pass", "pass", "fail"])
    finish = pd.Series(["stop", "length", None, "stop"])
    tokens = pd.Series([8, 3, 9, 2])
    assert passes_within(status, finish, tokens, 8, 16).tolist() == [True, False, False, False]
    assert passes_within(status, finish, tokens, 16, 16).tolist() == [True, True, True, False]


def test_crossover_interval_holds_the_point_estimate() -> None:
    ks = [1, 2, 4, 8, 16]
    # Every problem alike: every resample is the sample, the interval is the point.
    model = np.tile([0.5, 0.6, 0.7, 0.8, 0.9], (30, 1))
    base = np.tile([0.1, 0.3, 0.6, 0.95, 1.0], (30, 1))  # reaches the model at k = 8
    same = crossover_interval(ks, model, base, n_boot=100, seed=1)
    assert (same.k, same.low, same.high, same.share) == (8, 8, 8, 1.0)
    # Heterogeneous problems, seeded: the interval holds the estimate and is reproducible.
    rng = np.random.default_rng(3)
    c_model, c_base = rng.integers(2, 10, 40), rng.binomial(16, rng.beta(0.3, 0.6, 40))
    pm, pb = pass_at_k_matrix(np.full(40, 16), c_model, ks), pass_at_k_matrix(np.full(40, 16), c_base, ks)
    got = crossover_interval(ks, pm, pb, n_boot=300, seed=7)
    assert got.k is not None and got.low is not None and got.low <= got.k
    assert got.high is None or got.k <= got.high
    assert crossover_interval(ks, pm, pb, n_boot=300, seed=7) == got
    with pytest.raises(ValueError, match="must both be"):
        crossover_interval(ks, pm, pb[:, :2])


def test_unknown_lengths_give_the_max_tokens_rows_only() -> None:
    """Imported samples without n_tokens cannot be placed at a smaller budget; without stored
    lengths at all nothing counts as capped and the token columns stay empty."""
    from passbound.analyses import AnalysisInputs
    from passbound.analyses.budget_passk import _tables
    from passbound.analyses.truncation import compute as truncation
    from passbound.config import AnalysisSpec

    verdicts = pd.DataFrame(
        [
            dict(
                model="m", benchmark="b", problem_id=f"p{i}", index=j, status="pass" if j < i else "fail", extracted="1"
            )
            for i in range(3)
            for j in range(4)
        ]
    )
    lengths = verdicts[["model", "benchmark", "problem_id", "index"]].assign(
        finish_reason=["stop"] * 11 + ["length"], n_tokens=[5.0] * 11 + [np.nan]
    )
    models = [{"name": "m", "role": "base", "step": None, "base": None, "max_tokens": 64}]
    spec = AnalysisSpec(bootstrap=20)
    partial = AnalysisInputs(verdicts, models, [1, 2, 4], spec, lengths=lengths)
    table = _tables(partial)["budget_passk"]
    assert set(table["budget"]) == {64} and table["pass_at_k"].iloc[0] == pytest.approx((0 + 1 / 4 + 2 / 4) / 3)
    assert truncation(partial)["n_length"].tolist() == [1]
    known = AnalysisInputs(verdicts, models, [1, 2, 4], spec, lengths=lengths.assign(n_tokens=5.0))
    assert sorted(set(_tables(known)["budget_passk"]["budget"])) == [1, 2, 4, 8, 16, 32, 64]
    bare = truncation(AnalysisInputs(verdicts, models, [1, 2, 4], spec))
    assert bare["n_length"].tolist() == [0] and bare["mean_tokens_pass"].isna().all()
