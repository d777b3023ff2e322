"""Registered analyses (passbound/analyses/) run in the analyse stage, land as CSV tables, and the
report reads them back into their own sections and the dotted pass@k-past-n curve.

The run is real: problems recorded by prepare_run, sample shards whose answers are right with a
known per-problem probability, verdicts from the real math verifier.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from passbound.config import study_from_dict
from passbound.stages import analyse_run, prepare_run, report_run, verify_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

N = 16


def make_run(tmp_path: Path, **analysis) -> Path:
    study = study_from_dict(
        {
            "name": "analyses",
            "output": str(tmp_path / "run"),
            "models": [{"name": "m", "path": "none", "role": "rl", "engine": "hf"}],
            "benchmarks": [{"name": "synthetic", "limit": 40, "options": {"n_problems": 40, "levels": [1, 2]}}],
            "sampling": {"n": N, "chunk_size": 10},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 50, "extrapolate_bootstrap": 40, "bayes_draws": 300, **analysis},
        }
    )
    run = prepare_run(study)
    rng = np.random.default_rng(0)
    problems = run.read_problems("synthetic")
    p = rng.beta(0.4, 1.2, len(problems))
    for chunk in range(0, len(problems), 10):
        rows = [
            Sample(
                "m",
                "synthetic",
                q.id,
                j,
                f"\\boxed{{{q.target if rng.random() < p[i] else int(q.target) + 1}}}",
                "stop",
                5,
                0,
            )
            for i, q in enumerate(problems[chunk : chunk + 10], start=chunk)
            for j in range(N)
        ]
        run.write_shard("samples", "m", "synthetic", chunk // 10, samples_to_table(rows))
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)
    report_run(run)
    return run.path


def test_tables_sections_and_dotted_curve(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    beyond = pd.read_csv(run / "passk_beyond_n.csv")
    assert list(beyond["k"]) == [1, 2, 4, 8, 16, 32, 64, 128]  # the grid up to n, then doublings to 8n
    assert beyond["measured"].isna().tolist() == [False] * 5 + [True] * 3
    assert beyond["predicted"].is_monotonic_increasing and beyond["predicted"].between(0, 1).all()
    assert (beyond["ci_low"] <= beyond["predicted"]).all() and (beyond["predicted"] <= beyond["ci_high"]).all()
    inside = beyond[beyond["k"] <= N]
    passk = pd.read_csv(run / "passk.csv")
    np.testing.assert_allclose(inside["measured"], passk["pass_at_k"])
    np.testing.assert_allclose(inside["predicted"], inside["measured"], atol=0.05)

    check = pd.read_csv(run / "passk_beyond_n_check.csv")
    assert set(check["fit_samples"]) == {N // 4} and list(check["k"]) == [8, 16]
    assert check["covered"].notna().all()

    bayes = pd.read_csv(run / "bayes_passk.csv")
    assert list(bayes["k"]) == [1, 2, 4, 8, 16]
    assert (bayes["cri_low"] <= bayes["posterior_mean"]).all() and (bayes["posterior_mean"] <= bayes["cri_high"]).all()

    html = (run / "report.html").read_text()
    assert 'id="beyond-n"' in html and 'id="bayes"' in html
    md = (run / "summary.md").read_text()
    last = beyond.iloc[-1]
    assert (
        f"| `synthetic` | `m` | {N} | {100 * passk['pass_at_k'].iloc[-1]:.1f} | {int(last.k)} | {100 * last.predicted:.1f} |"
        in md
    )
    svg = (run / "figures" / "passk_synthetic.svg").read_text()
    # The only model is an RL model (solid line): a dash pattern can only come from the prediction.
    assert re.search(r"stroke-dasharray", svg)


def test_switched_off_analyses_leave_no_rows_and_no_sections(tmp_path: Path) -> None:
    run = make_run(tmp_path, extrapolate=0, bayes_draws=0)
    for name in ("passk_beyond_n", "passk_beyond_n_check", "bayes_passk"):
        table = pd.read_csv(run / f"{name}.csv")
        assert table.empty and len(table.columns) > 3
    html = (run / "report.html").read_text()
    assert 'id="beyond-n"' not in html and 'id="bayes"' not in html
    assert "pass@k past n" not in (run / "summary.md").read_text()
    assert "stroke-dasharray" not in (run / "figures" / "passk_synthetic.svg").read_text()


@pytest.mark.parametrize("bad", [{"extrapolate": -1}, {"bayes_draws": -5}])
def test_bad_settings_are_config_errors(tmp_path: Path, bad: dict) -> None:
    from passbound.errors import ConfigError

    with pytest.raises(ConfigError):
        study_from_dict(
            {
                "models": [{"name": "m", "path": "none", "engine": "hf"}],
                "benchmarks": [{"name": "synthetic"}],
                "analysis": bad,
            }
        )


def test_edge_cases_of_the_registered_analyses() -> None:
    """All solved: the self-check covers its zero-width interval; one sample per problem: no
    extrapolation; Bayes@N reaches k = n even when the grid does not."""
    from passbound.analyses import AnalysisInputs
    from passbound.analyses.bayes import compute as bayes
    from passbound.analyses.beyond_n import compute as beyond
    from passbound.analyses.beyond_n import compute_check
    from passbound.config import AnalysisSpec

    def verdicts(n: int, passes: int, problems: int = 6) -> pd.DataFrame:
        return pd.DataFrame(
            [
                dict(
                    model="m",
                    benchmark="b",
                    problem_id=f"p{i}",
                    index=j,
                    status="pass" if j < passes else "fail",
                    extracted="1",
                )
                for i in range(problems)
                for j in range(n)
            ]
        )

    models = [{"name": "m", "role": "base", "step": None, "base": None}]
    spec = AnalysisSpec(extrapolate_bootstrap=20, bayes_draws=50)
    solved = AnalysisInputs(verdicts(16, 16), models, [1, 2, 4, 8, 16], spec)
    check = compute_check(solved)
    assert len(check) and check["covered"].all()
    assert beyond(AnalysisInputs(verdicts(1, 1), models, [1], spec)).empty
    assert list(bayes(AnalysisInputs(verdicts(8, 3), models, [1, 3], spec))["k"]) == [1, 3, 8]


ONE_FILE_ANALYSIS = '''
"""A researcher's analysis in one file: problems with at least one pass, per model and benchmark."""
from passbound.analyses import Analysis, per_problem_counts, register


def compute(inputs):
    counts = per_problem_counts(inputs.verdicts)
    solved = counts.assign(n_solved=counts["c"] > 0).groupby(["model", "benchmark"], sort=True)["n_solved"].sum()
    return solved.astype(int).reset_index()[["model", "benchmark", "n_solved"]]


def section(table, report):
    items = "".join(f"<li>{report.name(r.model)}: {int(r.n_solved)} solved</li>" for r in table.itertuples())
    return f'<h2 id="solved-count">Solved problems</h2><ul>{items}</ul>'


def markdown(table, run):
    return ["## Solved problems", ""] + [f"- {r.model}: {int(r.n_solved)} solved" for r in table.itertuples()] + [""]


register(Analysis("solved_count", ("model", "benchmark", "n_solved"), compute, section, text_columns=("model", "benchmark"),
                  nav=("solved-count", "Solved"), markdown=markdown))
'''


def test_an_analysis_is_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that only declares its table, section and Markdown lines reaches the CSV, report.html
    (section and navigation link) and summary.md; the study's own tables come from one computation each."""
    import sys

    import passbound.analyses as analyses
    import passbound.metrics.study_tables as study_tables
    from passbound.report import load_run

    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "solved_count_analysis.py").write_text(ONE_FILE_ANALYSIS)
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    monkeypatch.setattr(analyses, "_MODULES", (*analyses._MODULES, "solved_count_analysis"))
    monkeypatch.setattr(analyses, "_REGISTERED", dict(analyses._REGISTERED))  # the registry as it was, after the test
    calls = []
    real = study_tables.analyse_counts
    monkeypatch.setattr(study_tables, "analyse_counts", lambda *a, **k: calls.append(1) or real(*a, **k))
    try:
        run = make_run(tmp_path)
        declared = {a.name: a for a in analyses.registered()}
        data = load_run(run)
    finally:
        sys.modules.pop("solved_count_analysis", None)  # with the registry restored, as if never imported

    assert len(calls) == 1  # six tables (passk, delta_se, paired, crossover, majk, summary), one computation
    verdicts = pd.concat([pd.read_parquet(p) for p in sorted((run / "verdicts").rglob("*.parquet"))])
    expected = int(verdicts.assign(ok=verdicts["status"].eq("pass")).groupby("problem_id")["ok"].any().sum())
    solved = pd.read_csv(run / "solved_count.csv")
    assert solved.to_dict("records") == [{"model": "m", "benchmark": "synthetic", "n_solved": expected}]
    html = (run / "report.html").read_text()
    assert 'id="solved-count"' in html and 'href="#solved-count"' in html and f"{expected} solved" in html
    assert f"- m: {expected} solved" in (run / "summary.md").read_text()

    # Every table the analyse stage wrote is a declared one, and the report reads each with its columns.
    written = {p.stem for p in run.glob("*.csv")}
    assert {"passk", "summary", "support", "solved_count"} <= written <= set(declared) | {"perplexity"}
    for name in written:
        assert list(data.table(name).columns[: len(declared[name].columns)]) == list(declared[name].columns)
    assert data.passk is data.table("passk") and len(data.passk)


def test_registration_order_does_not_depend_on_import_order() -> None:
    """The report's sections follow ``_MODULES`` even when an analysis module was imported first
    (a test or a user's script importing ``passbound.analyses.along_training`` directly)."""
    import subprocess
    import sys

    probe = (
        "import sys; {first}from passbound.analyses import registered; print(' '.join(a.name for a in registered()))"
    )
    orders = [
        subprocess.run(
            [sys.executable, "-c", probe.format(first=first)], capture_output=True, text=True, check=True
        ).stdout.split()
        for first in ("", "import passbound.analyses.along_training, passbound.analyses.chance; ")
    ]
    assert orders[0][0] == "passk" and orders[0].index("along_training") < orders[0].index("chance")  # _MODULES
    assert orders[1] == orders[0]
