"""`passbound distill`: only the teacher's passing samples become SFT data (capped per problem),
and a real SFT step on CPU turns the embedded model into a student transformers loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from passbound.cli import main
from passbound.config import study_from_dict
from passbound.stages import prepare_run, verify_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    study = study_from_dict(
        {
            "name": "distill",
            "output": str(tmp_path / "run"),
            "models": [{"name": "teacher", "path": "none", "role": "base", "engine": "hf", "template": "chat"}],
            "benchmarks": [{"name": "synthetic", "limit": 4, "options": {"n_problems": 4, "levels": [1]}}],
            "sampling": {"n": 4, "chunk_size": 4},
            "verify": {"workers": 1},
        }
    )
    run = prepare_run(study)
    problems = run.read_problems("synthetic")
    # problem i: indices < i are right, the rest wrong (problem 0 is never solved)
    rows = [
        Sample(
            "teacher",
            "synthetic",
            p.id,
            j,
            f"So the answer is \\boxed{{{p.target if j < i else int(p.target) + 5}}}.",
            "stop",
            9,
            0,
        )
        for i, p in enumerate(problems)
        for j in range(4)
    ]
    run.write_shard("samples", "teacher", "synthetic", 0, samples_to_table(rows))
    verify_run(study, run, show_progress=False)
    return run.path


def test_only_passing_samples_capped_per_problem(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sft.jsonl"
    main(["distill", str(run_dir), "--teacher", "teacher", "--out", str(out), "--max-per-problem", "2"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    per_problem = {}
    for r in rows:
        per_problem.setdefault(r["problem_id"], []).append(r["index"])
        assert [m["role"] for m in r["messages"]] == ["user", "assistant"]
        assert "\\boxed" in r["messages"][0]["content"]  # the prompt as the teacher saw it (chat template)
    problems = sorted(per_problem)
    assert [len(per_problem[p]) for p in problems] == [1, 2, 2]  # problems 1, 2, 3 (0 never passed)
    assert all(sorted(v) == list(range(len(v))) for v in per_problem.values())  # lowest indices first
    for code, args in (
        (2, ["--teacher", "nobody"]),
        (2, ["--teacher", "teacher", "--max-per-problem", "0"]),
        (2, []),
        (2, ["--teacher", "teacher", "--references"]),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["distill", str(run_dir), "--out", str(tmp_path / "x.jsonl"), *args])
        assert exc.value.code == code


def test_reference_solutions_in_the_studied_template(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ref.jsonl"
    main(["distill", str(run_dir), "--references", "--template", "few-shot", "--out", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    from passbound.store import RunDir

    problems = {p.id: p for p in RunDir(run_dir).read_problems("synthetic")}
    assert sorted(r["problem_id"] for r in rows) == sorted(problems)  # every problem, whatever the teacher did
    for r in rows:  # a raw template: prompt/completion pairs, the prompt exactly as the study renders it
        assert set(r) == {"prompt", "completion", "benchmark", "problem_id", "index"}
        assert r["prompt"].endswith("Question: " + problems[r["problem_id"]].prompt.strip() + "\nAnswer:")
        assert r["completion"] == problems[r["problem_id"]].metadata["solution"]


@pytest.mark.e2e
def test_student_trained_on_cpu_loads(run_dir: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from passbound.models import resolve_model
    from passbound.store import RunDir
    from passbound.train.distill import sft_rows, train_student

    rows = sft_rows(RunDir(run_dir), "teacher")
    folder = train_student(rows, "embedded", tmp_path / "student", steps=1, learning_rate=1e-4, batch_size=2)
    student = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    base = AutoModelForCausalLM.from_pretrained(resolve_model("embedded"), dtype=torch.float32)
    sd, bd = student.state_dict(), base.state_dict()
    assert any(not torch.equal(sd[k], bd[k]) for k in bd if k in sd)  # one step of SFT moved the weights
    assert (folder / "tokenizer_config.json").is_file()
