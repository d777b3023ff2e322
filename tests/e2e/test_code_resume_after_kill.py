"""kill -9 during *code* verification, then resume: the same verdicts and passk.csv as a run
that was never interrupted, and no duplicated (model, benchmark, problem, sample index).

Real processes throughout: `passbound verify` as a subprocess killed with SIGKILL while it grades
HumanEval+ programs in the sandbox, then resumed; the uninterrupted copy is graded from scratch.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_resume_after_kill import assert_no_duplicates, kill_when, passbound

from passbound.config import study_from_dict
from passbound.stages import prepare_run
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

pytestmark = pytest.mark.e2e

N = 6


def _completion(program: str, entry_point: str, j: int) -> str:
    """Sample j of a problem: right, wrong (entry point returns None), broken, or no code."""
    kinds = [
        f"```python\n{program.rstrip()}\n```",
        f"```python\n{program.rstrip()}\n\n\ndef {entry_point}(*args, **kwargs):\n    return None\n```",
        "```python\ndef broken(:\n```",
        "I cannot solve this.",
        f"Here it is:\n```python\n# sample {j}\n{program.rstrip()}\n```",
        f"```python\n{program.rstrip()}\n```",  # a duplicate of sample 0: graded once
    ]
    return kinds[j % len(kinds)]


def test_kill_during_code_verification_then_resume(tmp_path: Path, shared_data: Path) -> None:
    cfg = {
        "name": "code-verify-kill",
        "output": str(tmp_path / "a"),
        "data_dir": str(shared_data),
        "models": [{"name": "m", "path": "none", "role": "base", "engine": "hf", "template": "code-chat"}],
        "benchmarks": [{"name": "humaneval_plus", "limit": 10}],
        "sampling": {"n": N, "chunk_size": 1},
        "verify": {"workers": 1},
        "analysis": {"bootstrap": 100},
    }
    run = prepare_run(study_from_dict(cfg))
    problems = run.read_problems("humaneval_plus")
    for chunk, p in enumerate(problems):
        rows = [
            Sample("m", "humaneval_plus", p.id, j, _completion(p.target, p.metadata["entry_point"], j), "stop", 10, 0)
            for j in range(N)
        ]
        run.write_shard("samples", "m", "humaneval_plus", chunk, samples_to_table(rows))
    copy = tmp_path / "b"
    shutil.copytree(run.path, copy)

    proc = subprocess.Popen(
        [sys.executable, "-m", "passbound", "verify", str(run.path), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    kill_when(proc, lambda: len(RunDir(run.path).chunks("verdicts", "m", "humaneval_plus")) >= 2)
    assert len(RunDir(run.path).chunks("verdicts", "m", "humaneval_plus")) < len(problems), (
        "verification finished before the kill"
    )

    for target in (run.path, copy):
        for stage in ("verify", "analyse"):
            res = passbound(stage, str(target))
            assert res.returncode == 0, res.stderr
    assert assert_no_duplicates(run.path, "verdicts") == len(problems) * N
    cols = ["problem_id", "index", "status", "extracted", "verifier_version"]
    a = (
        RunDir(run.path)
        .read_all("verdicts")
        .to_pandas()[cols]
        .sort_values(["problem_id", "index"])
        .reset_index(drop=True)
    )
    b = RunDir(copy).read_all("verdicts").to_pandas()[cols].sort_values(["problem_id", "index"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    by_kind = a.assign(kind=a["index"] % 6).groupby("kind")["status"].agg(set).to_dict()
    assert by_kind[0] == {"pass"} and by_kind[4] == {"pass"} and by_kind[5] == {"pass"}
    assert by_kind[1] == {"fail"}
    assert by_kind[2] <= {"error", "no_answer"} and by_kind[3] == {"no_answer"}
    pd.testing.assert_frame_equal(pd.read_csv(run.path / "passk.csv"), pd.read_csv(copy / "passk.csv"))
