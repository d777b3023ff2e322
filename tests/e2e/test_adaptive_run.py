"""Adaptive sampling through `passbound run` with a real model (hf engine): round one, its verdicts,
round two for the planned problems only, then pass@k up to n from unequal sample counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _studies import smol_synthetic
from passbound.store import RunDir

pytestmark = pytest.mark.e2e


def test_two_rounds_through_the_cli(tmp_path: Path, embedded_model: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text(
        smol_synthetic(
            embedded_model,
            name="adaptive",
            output=tmp_path / "run",
            problems=8,
            n=8,
            max_tokens=12,
            seed=3,
            chunk_size=4,
            bootstrap=100,
            extra_sampling="adaptive = { first = 2, budget = 0.5 }",
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "passbound", "run", str(study), "--no-progress"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    run = RunDir(tmp_path / "run")
    plan = run.read_manifest()["adaptive_plans"]["smol"]["synthetic"]
    samples = run.read_all("samples").to_pandas()
    per_problem = samples.groupby("problem_id")["index"].agg(["count", "max"])
    topped = set(per_problem.index[per_problem["count"] == 8])
    assert topped == set(plan) and 0 < len(plan) <= 2  # (0.5 x 8 x 8 - 8 x 2) / 6 = 2 at most
    assert set(per_problem["count"]) <= {2, 8}
    assert len(samples) <= 0.5 * 8 * 8 and not samples.duplicated(["problem_id", "index"]).any()
    # Round two's samples are new draws, with seeds of their own.
    first = samples[samples["problem_id"].isin(plan) & (samples["index"] < 2)]["seed"]
    second = samples[samples["problem_id"].isin(plan) & (samples["index"] >= 2)]["seed"]
    assert not set(first) & set(second)

    verdicts = run.read_all("verdicts").to_pandas()
    assert len(verdicts) == len(samples) and not verdicts.duplicated(["problem_id", "index"]).any()
    # Too few round-one passes to learn the prior from: the run says so (and says it only then).
    round_one = int((verdicts["index"] < 2).mul(verdicts["status"].eq("pass")).sum())
    output = " ".join((done.stdout + done.stderr).split())
    assert ("round one passed" in output) == (round_one < 5), output[-2000:]
    passk = pd.read_csv(tmp_path / "run" / "passk.csv")
    assert passk["pass_at_k"].notna().all() and passk["k"].max() == 8 and (passk["n_samples"] == 8).all()

    again = subprocess.run(
        [sys.executable, "-m", "passbound", "run", str(study), "--no-progress"], capture_output=True, text=True
    )
    assert again.returncode == 0 and "nothing to do" in again.stdout + again.stderr
    assert len(run.read_all("samples")) == len(samples)
