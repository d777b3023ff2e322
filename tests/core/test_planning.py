"""`passbound plan`: sizes from the benchmark files, lengths measured from a real run's samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pytest

from _studies import smol_synthetic
from passbound.store import RunDir

STUDY = """
name = "plan-test"
output = "{output}"
[[models]]
name = "base"
path = "{model}"
role = "base"
engine = "hf"
template = "chat"
[[models]]
name = "rl"
path = "{model}"
role = "rl"
engine = "hf"
template = "chat"
sampling = {{ max_tokens = 24 }}
[[benchmarks]]
name = "math500"
[[benchmarks]]
name = "aime24"
limit = 10
[sampling]
n = 4
max_tokens = 12
"""


def _plan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}  # a benchmark missing locally must fail fast, not wait on the hub
    return subprocess.run([sys.executable, "-m", "passbound", "plan", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def study(tmp_path: Path, embedded_model: Path) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(STUDY.format(output=tmp_path / "run", model=embedded_model))
    return path


def test_plan_counts_problems_and_prices_tokens(study: Path, shared_data: Path) -> None:
    done = _plan(
        str(study),
        "--data-dir",
        str(shared_data),
        "--throughput",
        "100",
        "--throughput",
        "rl=50",
        "--gpus-per-replica",
        "rl=2",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    rows = {(r["model"], r["benchmark"]): r for r in plan["rows"]}
    assert rows[("base", "math500")]["problems"] == 500 and rows[("base", "aime24")]["problems"] == 10
    assert rows[("base", "math500")]["samples"] == 2000
    # No run yet: the length is the max_tokens upper bound, per model.
    assert rows[("base", "math500")]["mean_tokens"] == 12 and rows[("rl", "math500")]["mean_tokens"] == 24
    assert rows[("base", "math500")]["tokens_source"] == "max_tokens bound"
    assert rows[("base", "math500")]["gpu_hours"] == pytest.approx(2000 * 12 / 100 / 3600)
    assert rows[("rl", "aime24")]["gpu_hours"] == pytest.approx(40 * 24 / 50 / 3600 * 2)
    assert plan["totals"]["samples"] == 2 * (2000 + 40)

    table = _plan(str(study), "--data-dir", str(shared_data), "--mean-tokens", "1000")
    assert table.returncode == 0, table.stderr
    assert "4,080" in table.stdout and "--throughput" in table.stdout  # total samples; hint for GPU-hours


def test_plan_measures_lengths_and_what_is_left_from_the_run(tmp_path: Path, embedded_model: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text(
        smol_synthetic(
            embedded_model,
            name="measured",
            output=tmp_path / "run",
            problems=4,
            n=2,
            max_tokens=10,
            seed=0,
            chunk_size=2,
        )
    )
    sampled = subprocess.run(
        [sys.executable, "-m", "passbound", "sample", str(study), "--no-progress"], capture_output=True, text=True
    )
    assert sampled.returncode == 0, sampled.stderr
    run = RunDir(tmp_path / "run")
    samples = run.read_all("samples")
    # Drop one committed chunk: half the study is left to draw.
    run.shard_path("samples", "smol", "synthetic", 1).unlink()
    kept = run.read_all("samples")

    plan = json.loads(_plan(str(study), "--throughput", "5", "--json").stdout)
    (row,) = plan["rows"]
    assert row["samples"] == 8 and row["samples_done"] == kept.num_rows == 4 < samples.num_rows
    mean = pc.mean(kept["n_tokens"]).as_py()
    assert row["mean_tokens"] == pytest.approx(mean) and row["tokens_source"] == "measured (4 samples)"
    assert row["tokens_left"] == pytest.approx(4 * mean)
    assert row["gpu_hours"] == pytest.approx(4 * mean / 5 / 3600)
    assert plan["bytes_source"] == "measured in the run directory"
    given = json.loads(_plan(str(study), "--mean-tokens", "7", "--json").stdout)["rows"][0]
    assert given["mean_tokens"] == 7 and given["tokens_source"] == "given"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--throughput", "fast"], "'fast' is not a number"),
        (["--throughput", "nobody=3"], "'nobody' is not a model"),
        (["--mean-tokens", "-5"], "must be positive"),
        (["--problems", "1000"], "needs a benchmark name"),
        (["--problems", "gsm8k=10"], "'gsm8k' is not a benchmark"),
    ],
)
def test_plan_rejects_bad_options(study: Path, shared_data: Path, args: list[str], message: str) -> None:
    done = _plan(str(study), "--data-dir", str(shared_data), *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_plan_names_the_fix_when_a_benchmark_cannot_be_counted(study: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _plan(str(study), "--data-dir", str(empty))
    assert done.returncode == 2 and "--problems math500=N" in done.stderr, done.stderr
    given = _plan(
        str(study), "--data-dir", str(empty), "--problems", "math500=500", "--problems", "aime24=30", "--json"
    )
    assert given.returncode == 0, given.stderr
    rows = json.loads(given.stdout)["rows"]
    assert [r["problems"] for r in rows] == [500, 10, 500, 10]  # aime24's limit = 10 still applies


def test_the_readme_worked_example_plans(shared_data: Path) -> None:
    """examples/paper/*.toml stay valid study files, and the README's visual-part numbers hold."""
    from passbound.config import load_study

    root = Path(__file__).resolve().parents[2] / "examples" / "paper"
    assert sorted(p.name for p in root.glob("*.toml")) == ["code.toml", "math.toml", "visual.toml"]
    for path in root.glob("*.toml"):
        load_study(path)
    done = _plan(
        str(root / "visual.toml"),
        "--data-dir",
        str(shared_data),
        "--mean-tokens",
        "500",
        "--throughput",
        "2000",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    totals = json.loads(done.stdout)["totals"]
    assert totals["samples"] == 293_888 and round(totals["gpu_hours"]) == 20  # 460 + 114 free-form problems
