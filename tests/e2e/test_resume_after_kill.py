"""kill -9 during sampling and during verification, then resume: same passk.csv, no duplicates.

Real processes, real model (SmolLM2-135M through the hf engine, whose per-problem seeding makes
a problem's samples independent of which other problems share its batch), real verifier.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from _studies import smol_synthetic
from passbound.config import study_from_dict
from passbound.stages import prepare_run
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

pytestmark = pytest.mark.e2e


def passbound(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "passbound", *args, "--no-progress"], capture_output=True, text=True, **kw
    )


def kill_when(proc: subprocess.Popen, ready, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"process ended before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
            )
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the condition to kill never came")


def assert_no_duplicates(run: Path, kind: str) -> int:
    table = RunDir(run).read_all(kind).to_pandas()
    keys = table[["model", "benchmark", "problem_id", "index"]]
    assert not keys.duplicated().any(), f"duplicated {kind} rows"
    return len(table)


@pytest.mark.slow  # CI time (88 s): tests/e2e/test_visual_study.py kills vLLM sampling and resumes in the default run
def test_kill_during_sampling_then_resume(tmp_path: Path, embedded_model: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text(
        smol_synthetic(embedded_model, name="resume", problems=6, n=4, max_tokens=24, seed=7, chunk_size=1, top_p=1.0)
    )
    ref, killed = tmp_path / "ref", tmp_path / "killed"

    done = passbound("run", str(study), "--out", str(ref))
    assert done.returncode == 0, done.stderr

    proc = subprocess.Popen(
        [sys.executable, "-m", "passbound", "sample", str(study), "--out", str(killed), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    kill_when(proc, lambda: len(RunDir(killed).chunks("samples", "smol", "synthetic")) >= 2)
    partial = RunDir(killed).chunks("samples", "smol", "synthetic")
    assert 2 <= len(partial) < 6, partial  # killed mid-way, committed shards kept

    resumed = passbound("run", str(study), "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert assert_no_duplicates(killed, "samples") == 6 * 4
    ref_samples = (
        RunDir(ref).read_all("samples").to_pandas().sort_values(["problem_id", "index"]).reset_index(drop=True)
    )
    new_samples = (
        RunDir(killed).read_all("samples").to_pandas().sort_values(["problem_id", "index"]).reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(ref_samples, new_samples)
    pd.testing.assert_frame_equal(pd.read_csv(ref / "passk.csv"), pd.read_csv(killed / "passk.csv"))


def _answers(target: str, j: int) -> str:
    t = int(target)
    forms = [
        f"So the answer is \\boxed{{{t}}}.",
        f"I think it is \\boxed{{{t + j + 1}}}.",
        f"The answer is \\frac{{{2 * t}}}{{2}}.",
        f"Result: \\boxed{{{t}.0}}",
        "I am not sure.",
        f"\\boxed{{{t} + {j} - {j}}}",
    ]
    return forms[j % len(forms)] + f" (sample {j})"


def test_kill_during_verification_then_resume(tmp_path: Path) -> None:
    cfg = {
        "name": "verify-kill",
        "output": str(tmp_path / "a"),
        "models": [{"name": "m", "path": "none", "role": "base", "engine": "hf"}],
        "benchmarks": [{"name": "synthetic", "limit": 120, "options": {"n_problems": 120, "levels": [1, 2, 3]}}],
        "sampling": {"n": 48, "chunk_size": 4},
        "verify": {"workers": 1},
        "analysis": {"bootstrap": 100},
    }
    study = study_from_dict(cfg)
    run = prepare_run(study)
    problems = run.read_problems("synthetic")
    for chunk in range(0, len(problems), 4):
        rows = [
            Sample("m", "synthetic", p.id, j, _answers(p.target, j), "stop", 10, 0)
            for p in problems[chunk : chunk + 4]
            for j in range(48)
        ]
        run.write_shard("samples", "m", "synthetic", chunk // 4, samples_to_table(rows))
    copy = tmp_path / "b"
    shutil.copytree(run.path, copy)

    proc = subprocess.Popen(
        [sys.executable, "-m", "passbound", "verify", str(run.path), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    kill_when(proc, lambda: len(RunDir(run.path).chunks("verdicts", "m", "synthetic")) >= 2)
    assert len(RunDir(run.path).chunks("verdicts", "m", "synthetic")) < 30, "verification finished before the kill"

    for target in (run.path, copy):
        for stage in ("verify", "analyse"):
            res = passbound(stage, str(target))
            assert res.returncode == 0, res.stderr
    assert assert_no_duplicates(run.path, "verdicts") == 120 * 48
    a = RunDir(run.path).read_all("verdicts").to_pandas().sort_values(["problem_id", "index"]).reset_index(drop=True)
    b = RunDir(copy).read_all("verdicts").to_pandas().sort_values(["problem_id", "index"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["status"]) >= {"pass", "fail", "no_answer"}
    pd.testing.assert_frame_equal(pd.read_csv(run.path / "passk.csv"), pd.read_csv(copy / "passk.csv"))
