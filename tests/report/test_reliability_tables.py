"""pass_hat_k.csv, gpass.csv, cover.csv and sharpening_tax.csv from a real run against hand-computed values.

The run is real (prepare, the real math verifier, analyse, report) over samples whose verdicts are
fixed by hand: two problems, four samples each (k grid 1, 2, 4). The base solves problem 0 in 2
of 4 samples and problem 1 in 1 of 4; the RL model solves problem 0 always and problem 1 never
(all or nothing: a flat pass@k curve, so its sharpening area is 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from passbound.config import study_from_dict
from passbound.stages import analyse_run, prepare_run, report_run, verify_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

RIGHT = {
    "base": [[True, True, False, False], [False, False, True, False]],
    "rl": [[True, True, True, True], [False, False, False, False]],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = study_from_dict(
        {
            "name": "reliability",
            "output": str(tmp_path_factory.mktemp("reliability") / "run"),
            "models": [
                {"name": "base", "path": "none", "role": "base", "engine": "hf"},
                {"name": "rl", "path": "none", "role": "rl", "engine": "hf", "base": "base"},
            ],
            "benchmarks": [{"name": "synthetic", "limit": 2, "options": {"n_problems": 2, "levels": [1]}}],
            "sampling": {"n": 4, "chunk_size": 2},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 200, "extrapolate": 0, "bayes_draws": 0},
        }
    )
    out = prepare_run(study)
    problems = out.read_problems("synthetic")
    for model, per_problem in RIGHT.items():
        rows = [
            Sample(model, "synthetic", q.id, j, f"\\boxed{{{q.target if ok else int(q.target) + 1}}}", "stop", 5, 0)
            for q, right in zip(problems, per_problem, strict=True)
            for j, ok in enumerate(right)
        ]
        out.write_shard("samples", model, "synthetic", 0, samples_to_table(rows))
    verify_run(study, out, show_progress=False)
    analyse_run(study, out)
    report_run(out)
    return out.path


def values(table: pd.DataFrame, model: str, column: str = "value") -> list[float]:
    return table[table["model"] == model][column].tolist()


def test_pass_hat_k_by_hand(run: Path) -> None:
    t = pd.read_csv(run / "pass_hat_k.csv")
    assert list(t.columns) == ["model", "role", "benchmark", "k", "value", "ci_low", "ci_high"]
    assert values(t, "base", "k") == [1, 2, 4]
    # base: problem 0 has 2/4, 1/6, 0; problem 1 has 1/4, 0, 0.
    np.testing.assert_allclose(values(t, "base"), [(0.5 + 0.25) / 2, (1 / 6) / 2, 0.0])
    np.testing.assert_allclose(values(t, "rl"), [0.5, 0.5, 0.5])
    assert ((t["ci_low"] <= t["value"] + 1e-12) & (t["value"] <= t["ci_high"] + 1e-12)).all()


def test_gpass_by_hand(run: Path) -> None:
    t = pd.read_csv(run / "gpass.csv")
    assert list(t.columns) == ["model", "role", "benchmark", "metric", "k", "tau", "value", "ci_low", "ci_high"]
    base = t[t["model"] == "base"].set_index(["metric", "k", "tau"])["value"]
    g = {(k, tau): base[("g_pass", k, tau)] for k in (1, 2, 4) for tau in (0.25, 0.5, 0.75, 1.0)}
    assert [g[(1, tau)] for tau in (0.25, 0.5, 0.75, 1.0)] == pytest.approx([0.375] * 4)  # pass@1 at k = 1
    # k = 2: τ <= 1/2 asks for one right (pass@2: 5/6 and 1/2), τ > 1/2 for two (pass^2: 1/6 and 0).
    assert [g[(2, tau)] for tau in (0.25, 0.5, 0.75, 1.0)] == pytest.approx([2 / 3, 2 / 3, 1 / 12, 1 / 12])
    # k = 4 = n: X = c exactly, 2 and 1: at least 1 (both), 2 (problem 0), 3 and 4 (neither).
    assert [g[(4, tau)] for tau in (0.25, 0.5, 0.75, 1.0)] == pytest.approx([1.0, 0.5, 0.0, 0.0])
    mg = t[t["metric"] == "mg_pass"]
    assert sorted(set(mg["k"])) == [2, 4] and mg["tau"].isna().all()  # from k = 2, no τ
    assert values(mg, "base") == pytest.approx([1 / 12, 0.0])  # (2/2) G_1 at k = 2; (2/4)(G_3/4 + G_1) at k = 4
    assert values(mg, "rl") == pytest.approx([0.5, 0.5])


def test_cover_by_hand(run: Path) -> None:
    t = pd.read_csv(run / "cover.csv")
    assert list(t.columns) == ["model", "role", "benchmark", "tau", "cover", "ci_low", "ci_high"]
    base = t[t["model"] == "base"]
    assert base["tau"].tolist() == pytest.approx([i / 20 for i in range(21)])
    # c/n = 1/2 and 1/4: both count up to τ = 1/4, one up to 1/2, none past it.
    want = [1.0 if tau <= 0.25 else 0.5 if tau <= 0.5 else 0.0 for tau in base["tau"]]
    assert base["cover"].tolist() == pytest.approx(want)
    assert values(t, "rl", "cover") == pytest.approx([1.0] + [0.5] * 20)


def test_sharpening_tax_by_hand(run: Path) -> None:
    t = pd.read_csv(run / "sharpening_tax.csv")
    assert t["model"].tolist() == ["rl", "rl"] and t["base_model"].tolist() == ["base", "base"]
    assert t["K"].tolist() == [2, 4] and t["n_problems"].tolist() == [2, 2]
    # base pass@1..4: problem 0 1/2, 5/6, 1, 1; problem 1 1/4, 1/2, 3/4, 1.
    # A(2) = ((5/6 - 1/2) + (1/2 - 1/4))/2 = 7/24; A(4) = (2/3 + 3/2)/2 = 13/12; pass@1 = 3/8.
    assert t["area_base"].tolist() == pytest.approx([7 / 24, 13 / 12])
    assert t["s_base"].tolist() == pytest.approx([(7 / 24) / (5 / 8), (13 / 12) / (3 * 5 / 8)])
    assert t["area"].tolist() == [0.0, 0.0] and t["s"].tolist() == [0.0, 0.0]  # all or nothing: flat curve
    assert t["area_tax"].tolist() == pytest.approx([7 / 24, 13 / 12])
    assert t["s_tax"].tolist() == pytest.approx([7 / 15, 26 / 45])
    assert (t["s_ci_low"] <= t["s_tax"] + 1e-12).all() and (t["s_tax"] <= t["s_ci_high"] + 1e-12).all()


def test_report_sections_and_summary(run: Path) -> None:
    html = (run / "report.html").read_text(encoding="utf-8")
    for anchor in ("pass-hat-k", "gpass", "cover", "sharpening"):
        assert f"<h2 id=\"{anchor}\">" in html and f"href=\"#{anchor}\"" in html
    assert "alt=\"cover@τ against τ\"" in html
    summary = (run / "summary.md").read_text(encoding="utf-8")
    assert "**Sharpening tax** on `synthetic` at K = 4: S(K) of `base` minus `rl` = +57.8 points" in summary
    for name in ("pass_hat_k", "gpass", "cover", "sharpening_tax"):
        assert (run / "tables" / f"{name}.md").exists()
