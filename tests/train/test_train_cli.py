"""`passbound train` for real on CPU (TRL GRPO, the embedded model, the synthetic train split,
passbound's math verifier as the reward): checkpoints every step, curves.csv, study.toml; a rerun
with more steps resumes from the newest checkpoint; the generated study runs as a training series."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

CONFIG = """
name = "tiny"
output = "out"
[model]
path = "embedded"
template = "chat"
[data]
benchmark = "synthetic"
limit = 8
options = {{ n_problems = 8, levels = [1] }}
[algorithm]
num_generations = 2
loss_type = "dr_grpo"
[training]
steps = {steps}
batch_size = 2
max_completion_length = 4
save_every = 1
learning_rate = 1e-5
[study]
n = 2
max_tokens = 6
benchmarks = [{{ name = "synthetic", limit = 2, options = {{ n_problems = 2, levels = [1] }} }}]
"""


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "passbound", *args], capture_output=True, text=True)


def test_train_resume_and_study_the_checkpoints(tmp_path: Path) -> None:
    config = tmp_path / "train.toml"
    config.write_text(CONFIG.format(steps=2))
    done = passbound("train", str(config))
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out"
    assert sorted(p.name for p in (out / "checkpoints").glob("checkpoint-*")) == ["checkpoint-1", "checkpoint-2"]
    curves = pd.read_csv(out / "curves.csv")
    assert list(curves["step"]) == [1, 2] and curves["pass_rate"].between(0, 1).all()

    config.write_text(CONFIG.format(steps=3))  # one more step: resumes, does not start over
    more = passbound("train", str(config))
    assert more.returncode == 0, more.stderr[-3000:]
    assert "resuming from" in " ".join((more.stdout + more.stderr).split())
    assert list(pd.read_csv(out / "curves.csv")["step"]) == [1, 2, 3]

    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(str(out / "checkpoints" / "checkpoint-3"))  # loads as a model folder
    study = (out / "study.toml").read_text()
    assert study.count('role = "checkpoint"') == 3 and "step = 3" in study
    ran = passbound("run", str(out / "study.toml"), "--no-progress")
    assert ran.returncode == 0, ran.stderr[-3000:]
    passk = pd.read_csv(out / "study-run" / "passk.csv")
    assert set(passk["model"]) == {"base", "step-1", "step-2", "step-3"}
    series = pd.read_csv(out / "study-run" / "series.csv")
    assert sorted(series["step"].dropna().astype(int).unique()) == [0, 1, 2, 3]  # the base is step 0


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG.format(steps=2).replace("batch_size = 2", "batch_size = 3"))
    res = passbound("train", str(bad))
    assert res.returncode == 2 and "multiple of" in res.stderr
    res = passbound("train", str(tmp_path / "missing.toml"))
    assert res.returncode == 2 and "does not exist" in res.stderr
