"""Drill-down selection on a run whose answer is worked out by hand (see _cot_data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cot_data import EXPECTED_ORDER, LONG_MARK, PASSES, N, make_run, text_of

from passbound.cli import main
from passbound.cot import drilldown, hard_threshold
from passbound.store import RunDir


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunDir:
    return make_run(tmp_path_factory.mktemp("cot") / "run")


def test_hard_threshold_default_and_override() -> None:
    assert hard_threshold(8) == 2  # 5% of 8 rounds down to 0: the floor of 2 applies
    assert hard_threshold(1024) == 51  # 5% of 1024
    assert hard_threshold(1024, max_correct=3) == 3


def test_hard_problems_first_with_counts_and_all_correct_samples(run: RunDir) -> None:
    problems = drilldown(run)
    assert [p.problem_id for p in problems] == EXPECTED_ORDER  # p10: no correct sample, not listed
    assert [p.hard for p in problems] == [True, True, False, False]
    for p in problems:
        assert p.target == "4" and p.prompt.endswith(f"({p.problem_id})")
        assert [m.model for m in p.models] == ["B", "R"]
        for m in p.models:
            assert (m.n, m.c) == (N, PASSES[m.model][p.problem_id])
            assert m.pass_fraction == m.c / N
            assert m.hard == (1 <= m.c <= 2)
            assert [s.index for s in m.samples] == list(range(m.c))  # only correct samples, all of them
            assert [s.text for s in m.samples] == [text_of(m.model, p.problem_id, i) for i in range(m.c)]
            assert all(s.extracted == "4" for s in m.samples)


def test_caps_filters_and_truncation(run: RunDir) -> None:
    hard = drilldown(run, hard_only=True, max_samples=1, max_chars=200)
    assert [p.problem_id for p in hard] == ["p2", "p3"]
    p2_b = hard[0].models[0]
    assert p2_b.model == "B" and len(p2_b.samples) == 1
    sample = p2_b.samples[0]
    assert sample.truncated and len(sample.text) < 300
    assert sample.text.startswith(LONG_MARK) and sample.text.endswith("\\boxed{4}.")  # head and tail kept
    assert [len(m.samples) for m in drilldown(run, max_samples=1)[3].models] == [1, 1]  # p1
    # a stricter hard threshold: 1 correct sample at most -> only p2 stays hard
    assert [p.problem_id for p in drilldown(run, hard_only=True, max_correct=1)] == ["p2"]
    only_r = drilldown(run, models=["R"], max_problems=2)
    assert [p.problem_id for p in only_r] == ["p3", "p4"]  # R never solves p2
    assert all([m.model for m in p.models] == ["R"] for p in only_r)


def test_cli_drilldown_jsonl_keeps_full_text(run: RunDir, tmp_path: Path) -> None:
    out = tmp_path / "drill.jsonl"
    main(["drilldown", str(run.path), "--hard-only", "-o", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["problem_id"], r["model"], r["index"]) for r in rows] == [("p2", "B", 0), ("p3", "R", 0), ("p3", "R", 1)]
    assert rows[0]["text"] == text_of("B", "p2", 0) and rows[0]["hard_for_model"] and rows[0]["c"] == 1


def test_cli_drilldown_markdown_and_unknown_model(run: RunDir, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    main(["drilldown", str(run.path), "--model", "R", "--max-samples", "1"])
    text = capsys.readouterr().out
    assert text.index("math / p3 [HARD]") < text.index("math / p4") < text.index("math / p1")
    assert "--problem p3 --index 0 --verdict valid|invalid" in text
    with pytest.raises(SystemExit) as exc:
        main(["drilldown", str(run.path), "--model", "nope"])
    assert exc.value.code == 2
    assert "unknown model 'nope'" in capsys.readouterr().err
