"""Each extension guide's example (docs/examples/*.py, included verbatim in docs/extend/*.md) runs
for real against passbound's registries: registered, then used end to end in a tiny study whose
samples, verdicts (real grading pool), tables, report.html and summary.md are checked.

The registries are process-wide, so each test restores them (and the analyses) as they were.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from passbound import registry
from passbound.config import StudyConfig, study_from_dict
from passbound.stages import analyse_run, prepare_run, report_run, sample_run, verify_run
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Import a docs example as a plug-in would be imported; afterwards the registries, the
    registered analyses and sys.modules are as before."""
    import passbound.analyses as analyses

    analyses.registered()  # the built-ins first, so the snapshot below holds them
    for reg in (registry.benchmarks, registry.engines, registry.templates, registry.verifiers):
        reg.names()
        monkeypatch.setattr(reg, "_factories", dict(reg._factories))
        monkeypatch.setattr(reg, "_descriptions", dict(reg._descriptions))
    monkeypatch.setattr(analyses, "_REGISTERED", dict(analyses._REGISTERED))
    monkeypatch.syspath_prepend(str(EXAMPLES))
    imported: list[str] = []

    def load(name: str) -> ModuleType:
        imported.append(name)
        return importlib.import_module(name)

    yield load
    for name in imported:
        sys.modules.pop(name, None)


def tiny_study(tmp_path: Path, benchmark: dict[str, Any], *, engine: str = "guesser", n: int = 8) -> StudyConfig:
    return study_from_dict(
        {
            "name": "docs example",
            "output": str(tmp_path / "run"),
            "models": [{"name": "m", "path": "none", "engine": engine, "template": "qwen-boxed"}],
            "benchmarks": [benchmark],
            "sampling": {"n": n, "chunk_size": 4},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 20, "extrapolate_bootstrap": 20, "bayes_draws": 100},
        }
    )


def write_samples(run: RunDir, benchmark: str, texts: dict[str, list[str]]) -> None:
    """Completions as a model would have written them (one chunk), committed like sampled ones."""
    rows = [
        Sample("m", benchmark, pid, j, text, "stop", 5, 0)
        for pid, answers in texts.items()
        for j, text in enumerate(answers)
    ]
    run.write_shard("samples", "m", benchmark, 0, samples_to_table(rows))


def boxed(text: str) -> str:
    found = re.findall(r"\\boxed\{(\d+)\}", text)
    assert len(found) == 1, text
    return found[0]


def test_add_an_engine(tmp_path: Path, example: Any) -> None:
    """docs/extend/engine.md: the guesser samples a study, reproducibly, and is graded like any model."""
    module = example("add_engine")
    assert "guesser" in registry.engines.names()
    by_path = registry.engines.create("add_engine:guesser_engine", model="none", high=3)  # the page's other spelling
    assert isinstance(by_path, module.GuesserEngine) and by_path.high == 3
    study = tiny_study(tmp_path, {"name": "synthetic", "limit": 6, "options": {"n_problems": 6, "levels": [1]}}, n=16)
    run = prepare_run(study)
    with warnings.catch_warnings():  # the example is of the current Engine shape (generate takes settings)
        warnings.filterwarnings("error", message=r".*generate\(\) takes temperature", category=DeprecationWarning)
        assert sample_run(study, run, show_progress=False) == 6 * 16
    assert sample_run(study, run, show_progress=False) == 0  # resumed: nothing left to draw
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)

    samples = pd.read_parquet(run.path / "samples")
    verdicts = pd.read_parquet(run.path / "verdicts").merge(samples, on=["model", "benchmark", "problem_id", "index"])
    targets = {p.id: p.target for p in run.read_problems("synthetic")}
    expected = [boxed(t) == targets[p] for t, p in zip(verdicts["text"], verdicts["problem_id"], strict=True)]
    assert verdicts["status"].eq("pass").tolist() == expected
    assert len(set(samples["text"])) > 3  # guesses differ across samples
    passk = pd.read_csv(run.path / "passk.csv")
    assert passk.loc[passk["k"] == 1, "pass_at_k"].item() == pytest.approx(sum(expected) / len(expected))
    assert json.loads((run.path / "manifest.json").read_text())["engine_versions"] == {"m": "guesser 1.0"}

    # The same seeds draw the same completions in a fresh run directory.
    again = prepare_run(study.model_copy(update={"output": str(tmp_path / "again")}))
    sample_run(study.model_copy(update={"output": str(tmp_path / "again")}), again, show_progress=False)
    assert pd.read_parquet(again.path / "samples")["text"].tolist() == samples["text"].tolist()


def test_add_a_benchmark(tmp_path: Path, example: Any) -> None:
    """docs/extend/benchmark.md: the loader is found by name, its options are checked, and a study
    on it is graded by the math verifier (right answers pass, off-by-one ones fail)."""
    from passbound.benchmarks import load_benchmark
    from passbound.errors import ConfigError

    example("add_benchmark")
    loaded = load_benchmark("times_tables", options={"max_factor": 4})
    assert [(p.id, p.target) for p in loaded.problems] == [
        ("2x2", "4"),
        ("2x3", "6"),
        ("2x4", "8"),
        ("3x3", "9"),
        ("3x4", "12"),
        ("4x4", "16"),
    ]
    with pytest.raises(ConfigError, match="max_factr"):
        load_benchmark("times_tables", options={"max_factr": 4})

    study = tiny_study(tmp_path, {"name": "times_tables", "limit": 4, "options": {"max_factor": 5}}, n=4)
    run = prepare_run(study)
    problems = run.read_problems("times_tables")
    assert [p.prompt for p in problems][:2] == ["What is 2 times 2?", "What is 2 times 3?"]
    # Problem i gets i right answers out of 4; the others are off by one.
    write_samples(
        run,
        "times_tables",
        {p.id: [f"So \\boxed{{{int(p.target) + (j >= i)}}}." for j in range(4)] for i, p in enumerate(problems)},
    )
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)
    summary = pd.read_csv(run.path / "summary.csv")
    assert summary["n_pass"].item() == 0 + 1 + 2 + 3 and summary["n_fail"].item() == 16 - 6
    passk = pd.read_csv(run.path / "passk.csv").set_index("k")["pass_at_k"]
    assert passk[4] == pytest.approx(3 / 4)  # three of the four problems solved within 4 samples


def test_add_a_verifier(tmp_path: Path, example: Any) -> None:
    """docs/extend/verifier.md: problems of kind 'anagram' go to the registered verifier in the
    grading pool (parent and workers); its options come from [verify.anagram]; hedges are no answer."""
    example("add_verifier")
    study = tiny_study(tmp_path, {"name": "anagrams", "limit": 3}, n=5)
    run = prepare_run(study)
    write_samples(
        run,
        "anagrams",
        {
            "listen": ["Answer: silent", "Answer: Enlist.", "Answer: listen", "Answer: silent or enlist", "silent"],
            "evil": ["Answer: vile", "Answer: evil", "Answer: veil!", "answer: LIVE", "Answer: vlie"],
            "night": ["Answer: thing", "Answer: think", "Answer: thing\nAnswer: night", "", "Answer:"],
        },
    )
    verify_run(study, run, show_progress=False)
    verdicts = pd.read_parquet(run.path / "verdicts").sort_values(["problem_id", "index"])
    status = {pid: g["status"].tolist() for pid, g in verdicts.groupby("problem_id")}
    assert status == {
        "listen": ["pass", "pass", "fail", "no_answer", "no_answer"],
        "evil": ["pass", "fail", "pass", "pass", "fail"],
        "night": ["pass", "fail", "fail", "no_answer", "no_answer"],
    }
    assert set(verdicts["verifier_version"]) == {"anagram-1"}
    detail = dict(zip(verdicts["extracted"], verdicts["detail"], strict=True))
    assert detail["think"] == "not an anagram of 'night'"  # settled in the parent by quick_check
    assert detail["vlie"] == "an anagram, but not one of the accepted words"  # by check() in a worker

    strict = study_from_dict({**study.model_dump(), "verify": {"workers": 1, "anagram": {"case_sensitive": True}}})
    verify_run(strict, run, show_progress=False)  # a new verifier version: every verdict is graded again
    verdicts = pd.read_parquet(run.path / "verdicts").sort_values(["problem_id", "index"])
    assert set(verdicts["verifier_version"]) == {"anagram-1+case"}
    assert verdicts[verdicts["problem_id"] == "listen"]["status"].tolist()[:2] == ["pass", "fail"]  # "Enlist"


def test_add_an_analysis(tmp_path: Path, example: Any) -> None:
    """docs/extend/analysis.md: the table lands in RUN/first_pass.csv with the value computed here
    from the verdicts, and its section, navigation link and summary.md lines in the report."""
    example("add_engine")
    example("add_analysis")
    study = tiny_study(tmp_path, {"name": "synthetic", "limit": 4, "options": {"n_problems": 4, "levels": [1]}}, n=16)
    run = prepare_run(study)
    sample_run(study, run, show_progress=False)
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)
    report_run(run)

    verdicts = pd.read_parquet(run.path / "verdicts")
    firsts = [
        min(g.loc[g["status"] == "pass", "index"]) + 1
        for _, g in verdicts.groupby("problem_id")
        if g["status"].eq("pass").any()
    ]
    assert firsts, "the guesser solved nothing; the test needs at least one pass"
    table = pd.read_csv(run.path / "first_pass.csv")
    assert table[["n_problems", "n_solved"]].values.tolist() == [[4, len(firsts)]]
    assert table["mean_first_pass"].item() == pytest.approx(sum(firsts) / len(firsts))
    html = (run.path / "report.html").read_text()
    assert 'id="first-pass"' in html and 'href="#first-pass"' in html
    mean = f"{sum(firsts) / len(firsts):.1f}"
    assert f"| `synthetic` | `m` | {len(firsts)} / 4 | {mean} |" in (run.path / "summary.md").read_text()
