"""The LLM judge: verdict parsing, the prompt, and a real run with the embedded model (hf engine)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cot_data import make_run

from passbound.cli import main
from passbound.cot import judge_prompt, parse_verdict
from passbound.cot.judge import read_judgments, resolve_judge


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The steps are right.\nVERDICT: VALID", "valid"),
        ("Step 3 divides by zero.\nVERDICT: INVALID", "invalid"),
        ("**Verdict:** invalid", "invalid"),
        ("verdict = `Valid`.", "valid"),
        ("Final verdict - NOT VALID", "invalid"),
        ("I must answer VERDICT: VALID or VERDICT: INVALID.\nThe algebra fails.\nVERDICT: INVALID", "invalid"),
        ("VERDICT: INVALID\n... wait, I misread; it is fine.\nVERDICT: VALID", "valid"),
        ("Looks fine to me.\nValid", "valid"),
        ("The reasoning is invalid because...", "unknown"),
        ("verdict: validity unclear", "unknown"),
        ("", "unknown"),
    ],
)
def test_parse_verdict(text: str, expected: str) -> None:
    assert parse_verdict(text) == expected


def test_prompt_holds_problem_answer_and_solution_and_asks_for_the_verdict_line() -> None:
    prompt = judge_prompt("What is 2 + 2?", "4", "2 + 2 = 4. " * 5000, max_chars=1000)
    assert "What is 2 + 2?" in prompt and "Reference answer: 4" in prompt
    assert '"VERDICT: VALID" or "VERDICT: INVALID"' in prompt
    assert "characters cut" in prompt and len(prompt) < 3000  # a long solution keeps head and tail only


def test_resolve_judge_from_study_model_or_path(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    spec = resolve_judge(run, "B", None, {"max_batch": 4})
    assert (spec.path, spec.engine, spec.options, spec.label) == ("embedded", "hf", {"max_batch": 4}, "B")
    other = resolve_judge(run, "org/judge-7b", None, {})
    assert (other.path, other.engine) == ("org/judge-7b", "vllm")
    with pytest.raises(SystemExit) as exc:
        main(["judge", str(run.path), "--judge", "B", "--engine", "nope"])
    assert exc.value.code == 2


@pytest.mark.e2e
def test_judge_with_embedded_model_is_resumable(tmp_path: Path, embedded_model: Path) -> None:
    run = make_run(tmp_path / "run")
    # R's correct samples on hard problems: p3#0 and p3#1 (short texts, so the CPU test stays quick)
    common = ["--only-hard", "--model", "R", "--max-tokens", "12", "--batch-size", "1", "--no-progress"]
    args = ["judge", str(run.path), "--judge", str(embedded_model), "--engine", "hf", *common]
    # first through the study's own model B (path "embedded", engine hf), then as a path with --engine
    main(["judge", str(run.path), "--judge", "B", *common, "--limit", "1"])  # one batch: p3#0
    got = read_judgments(run)
    assert list(zip(got["model"], got["problem_id"], got["index"])) == [("R", "p3", 0)]
    main(args)  # resumes: judges only p3#1
    got = read_judgments(run).sort_values("index")
    assert list(zip(got["problem_id"], got["index"])) == [("p3", 0), ("p3", 1)]
    assert set(got["judgment"]) <= {"valid", "invalid", "unknown"}
    assert all(isinstance(o, str) and o for o in got["output"])  # the judge's own words are kept
    assert list(got["judgment"]) == [parse_verdict(o) for o in got["output"]]
    shard = run.path / "judgments" / "R" / "math.parquet"
    assert shard.is_file() and not (run.path / "judgments" / "B").exists()
    before = shard.stat().st_mtime_ns
    main(args)  # every selected sample is judged: nothing new, nothing rewritten
    assert len(read_judgments(run)) == 2 and shard.stat().st_mtime_ns == before
