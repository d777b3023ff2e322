"""R = -a·exp(H) + b (Cui et al. 2025) fitted to performance against policy entropy: exact on points
of the law, refused on points that cannot identify it, and the entropy_fit table from a curves.csv
and verdicts with known values (checkpoint-s paired with the entropy logged at step s + 1)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from passbound.analyses import Analysis, AnalysisInputs, registered
from passbound.analyses.entropy_fit import COLUMNS, POINT_COLUMNS, fit_entropy_performance, section
from passbound.config import AnalysisSpec


def test_fit_recovers_a_b_and_the_ceiling_from_points_of_the_law() -> None:
    h = np.linspace(0.05, 2.5, 9)
    fit = fit_entropy_performance(h, -0.07 * np.exp(h) + 0.93)
    assert fit.n_points == 9 and fit.note == ""
    assert fit.a == pytest.approx(0.07, abs=1e-12) and fit.b == pytest.approx(0.93, abs=1e-12)
    assert fit.ceiling == pytest.approx(0.86, abs=1e-12) and fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert (fit.entropy_min, fit.entropy_max) == (pytest.approx(0.05), pytest.approx(2.5))


def test_fit_is_the_least_squares_solution_on_noisy_points() -> None:
    rng = np.random.default_rng(3)
    h = rng.uniform(0.1, 1.5, 40)
    r = 0.8 - 0.1 * np.exp(h) + rng.normal(0, 0.02, 40)
    (neg_a, b), *_ = np.linalg.lstsq(np.column_stack([np.exp(h), np.ones_like(h)]), r, rcond=None)
    fit = fit_entropy_performance(h, r)
    assert fit.a == pytest.approx(-neg_a, rel=1e-9) and fit.b == pytest.approx(b, rel=1e-9)
    resid = r - (fit.b - fit.a * np.exp(h))
    assert fit.r2 == pytest.approx(1 - (resid @ resid) / ((r - r.mean()) @ (r - r.mean())), rel=1e-12)
    assert 0 < fit.r2 < 1


@pytest.mark.parametrize(
    ("h", "r", "why"),
    [
        ([0.5, 1.0], [0.3, 0.2], "needs 3"),  # two points fit any such curve exactly
        ([0.5, 1.0, math.nan, 0.7], [0.3, 0.2, 0.1, math.nan], "2 points"),  # pairs with a NaN do not count
        ([], [], "0 points"),
        ([0.8, 0.8, 0.8, 0.8], [0.1, 0.2, 0.3, 0.4], "does not vary"),  # a and b not identified
        ([0.8, 0.8 + 1e-12, 0.8, 0.8], [0.1, 0.2, 0.3, 0.4], "does not vary"),  # float noise is no variation
        ([0.5, -0.1, 1.0], [0.3, 0.2, 0.1], "negative entropy"),
    ],
)
def test_fit_refuses_what_cannot_identify_it(h: list[float], r: list[float], why: str) -> None:
    fit = fit_entropy_performance(h, r)
    assert why in fit.note
    assert all(math.isnan(v) for v in (fit.a, fit.b, fit.ceiling, fit.r2))


def test_constant_performance_fits_flat_with_r2_undefined() -> None:
    fit = fit_entropy_performance([0.2, 0.9, 1.4], [0.5, 0.5, 0.5])
    assert fit.a == pytest.approx(0.0, abs=1e-15) and fit.b == pytest.approx(0.5) and fit.ceiling == pytest.approx(0.5)
    assert math.isnan(fit.r2) and "R² undefined" in fit.note


def test_mismatched_inputs_are_an_error() -> None:
    with pytest.raises(ValueError, match="one length"):
        fit_entropy_performance([0.1, 0.2, 0.3], [0.1, 0.2])


def _analysis(name: str = "entropy_fit") -> Analysis:
    return next(a for a in registered() if a.name == name)


def _inputs(models: list[dict[str, Any]], verdicts: pd.DataFrame) -> AnalysisInputs:
    return AnalysisInputs(verdicts=verdicts, models=models, k_grid=[1], spec=AnalysisSpec())


def test_table_from_known_curves_and_checkpoint_pass_rates(tmp_path: Path) -> None:
    # pass@1 of base, step-1, step-2, step-3 = 2, 4, 5, 6 of 8 (0.25 .. 0.75) = 1.0 - 0.1·exp(H) with H
    # logged at steps 1..4; step-4 (the newest checkpoint, no log at step 5) passes 0 of 8: were it
    # paired with anything, the fit would not be exact.
    passes = {"base": 2, "step-1": 4, "step-2": 5, "step-3": 6, "step-4": 0}
    h = [math.log((1.0 - passes[m] / 8) / 0.1) for m in ("base", "step-1", "step-2", "step-3")]
    folder = tmp_path / "grpo"
    folder.mkdir()
    pd.DataFrame(
        {
            "step": [1, 2, 3, 4],
            "reward": [0.5 - 0.05 * math.exp(x) for x in h],
            "pass_rate": 0.0,
            "kl": 0.0,
            "entropy": h,
        }
    ).to_csv(folder / "curves.csv", index=False)
    models: list[dict[str, Any]] = [{"name": "base", "role": "base", "step": None, "base": None}]
    models += [
        {
            "name": f"step-{s}",
            "role": "checkpoint",
            "step": s,
            "base": "base",
            "algorithm": "grpo/dr_grpo",
            "training_curves": str(folder / "curves.csv"),
        }
        for s in (1, 2, 3, 4)
    ]
    verdicts = pd.DataFrame(
        [
            {
                "model": m,
                "benchmark": "synthetic",
                "problem_id": "p0",
                "index": i,
                "status": "pass" if i < c else "fail",
            }
            for m, c in passes.items()
            for i in range(8)
        ]
    )
    table = _analysis().run(_inputs(models, verdicts))
    assert table is not None and list(table.columns) == list(COLUMNS) and len(table) == 2
    reward, pass1 = (table[table["target"] == t].iloc[0] for t in ("reward", "pass@1"))
    assert (reward.training_run, reward.algorithm, reward.base_model) == ("grpo", "grpo/dr_grpo", "base")
    assert reward.n_points == 4
    assert reward.a == pytest.approx(0.05) and reward.b == pytest.approx(0.5) and reward.ceiling == pytest.approx(0.45)
    assert pass1.benchmark == "synthetic" and pass1.n_points == 4  # base + steps 1-3; step-4 has no entropy
    assert pass1.a == pytest.approx(0.1) and pass1.b == pytest.approx(1.0) and pass1.ceiling == pytest.approx(0.9)
    assert pass1.r2 == pytest.approx(1.0) and pass1.entropy_min == pytest.approx(math.log(2.5))

    points = _analysis("entropy_points").run(_inputs(models, verdicts))  # the pairs behind each fit
    assert points is not None and list(points.columns) == list(POINT_COLUMNS)
    paired = points[points["target"] == "pass@1"].set_index("model")
    assert paired.loc["step-1", "entropy"] == pytest.approx(h[1]) and paired.loc["step-1", "performance"] == 0.5
    assert math.isnan(paired.loc["step-4", "entropy"]) and paired.loc["base", "step"] == 0

    html = section(table, None)
    assert 'id="entropy-fit"' in html and "Cui et al. 2025" in html and "<img" not in html
    assert "<td class=\"n\">90.0</td>" in html and "<td class=\"n\">45.0</td>" in html  # the ceilings, in %

    class Report:  # the report hands a section the run's other tables through table(name)
        def table(self, name: str) -> pd.DataFrame:
            assert name == "entropy_points"
            return points

    assert 'alt="entropy and performance" src="data:image/svg+xml;base64,' in section(table, Report())


def test_a_short_run_is_a_refused_row_and_a_study_without_training_has_no_table(tmp_path: Path) -> None:
    folder = tmp_path / "short"
    folder.mkdir()
    curves = folder / "curves.csv"
    pd.DataFrame({"step": [1, 2], "reward": [0.1, 0.2], "entropy": [0.9, 0.8]}).to_csv(curves, index=False)
    models: list[dict[str, Any]] = [
        {"name": "base", "role": "base"},
        {"name": "c1", "role": "checkpoint", "step": 1, "base": "base", "training_curves": str(curves)},
    ]
    table = _analysis().run(_inputs(models, pd.DataFrame()))
    assert table is not None and table["target"].tolist() == ["reward"]
    assert "needs 3" in table["note"].iloc[0] and math.isnan(table["ceiling"].iloc[0])
    assert _analysis().run(_inputs([{"name": "base", "role": "base"}], pd.DataFrame())) is None
