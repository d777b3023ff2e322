"""The Ray runner on a local Ray instance (CPU): two replicas of the hf engine (exactly
deterministic) give the local runner's samples, verdicts and passk.csv; a replica killed mid-run
loses and duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from _studies import smol_synthetic
from passbound.store import RunDir

pytestmark = pytest.mark.e2e
try:  # the ray extra is part of the test install: without it Ray's tests fail, never skip
    import ray  # noqa: F401 - only its presence is checked here; the runner imports it
except ImportError as exc:
    raise ImportError(
        "the Ray runner's tests need the ray extra: pip install -e '.[ray]' (scripts/setup.sh installs it)"
    ) from exc

RAY = 'kind = "ray"\nreplicas = 2\ngpus_per_replica = 0\nin_flight = 2'


def _study(tmp_path: Path, model: Path, name: str, runner: str, problems: int = 6, max_tokens: int = 10) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(
        smol_synthetic(
            model,
            name=name,
            output=tmp_path / name,
            problems=problems,
            n=3,
            max_tokens=max_tokens,
            seed=5,
            chunk_size=2,
            bootstrap=50,
        )
        + f"[runner]\n{runner}\n"
    )
    return path


def _passbound(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "passbound", *args, "--no-progress"], capture_output=True, text=True, timeout=900
    )


def _shards(run: RunDir, kind: str) -> pd.DataFrame:
    table = run.read_all(kind).to_pandas()
    return table.sort_values(["problem_id", "index"]).reset_index(drop=True)


def test_ray_runner_matches_the_local_runner(tmp_path: Path, embedded_model: Path) -> None:
    local = _passbound("run", str(_study(tmp_path, embedded_model, "local", "")))
    assert local.returncode == 0, local.stderr
    on_ray = _passbound("run", str(_study(tmp_path, embedded_model, "ray", RAY)))
    assert on_ray.returncode == 0, on_ray.stderr
    assert "smol on Ray, 2 replica(s)" in on_ray.stdout + on_ray.stderr
    a, b = RunDir(tmp_path / "local"), RunDir(tmp_path / "ray")
    assert a.chunks("samples", "smol", "synthetic") == b.chunks("samples", "smol", "synthetic") == [0, 1, 2]
    for chunk in range(3):  # shard by shard, row order included
        assert a.read_shard("samples", "smol", "synthetic", chunk).equals(
            b.read_shard("samples", "smol", "synthetic", chunk)
        )
    pd.testing.assert_frame_equal(_shards(a, "verdicts"), _shards(b, "verdicts"))
    pd.testing.assert_frame_equal(pd.read_csv(a.path / "passk.csv"), pd.read_csv(b.path / "passk.csv"))
    assert b.read_manifest()["engine_versions"]["smol"].startswith("transformers ")


def _replicas() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if cmdline.startswith("ray::") and "ChunkActor" in cmdline:
            found.append(proc)
    return found


@pytest.mark.slow  # CI time (194 s on a 2-core AVX2 box): test_ray_runner_matches_the_local_runner is Ray's end-to-end test in the default run
def test_killing_a_replica_loses_and_duplicates_nothing(tmp_path: Path, embedded_model: Path) -> None:
    study = _study(tmp_path, embedded_model, "killed", RAY, problems=8, max_tokens=24)
    run = RunDir(tmp_path / "killed")
    driver = subprocess.Popen(
        [sys.executable, "-m", "passbound", "sample", str(study), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 600
    while driver.poll() is None and time.monotonic() < deadline:
        if run.exists() and run.chunks("samples", "smol", "synthetic") and _replicas():
            killed = _replicas()[0]
            os.kill(killed.pid, signal.SIGKILL)  # one replica dies mid-run, with its chunk in flight
            break
        time.sleep(0.2)
    assert killed is not None, "the run ended before a replica could be killed"
    out, err = driver.communicate(timeout=900)
    # Ray Data restarts the actor and retries its batch: the run completes by itself ...
    assert driver.returncode == 0, err
    rerun = _passbound("sample", str(study))
    assert rerun.returncode == 0 and "nothing to do" in rerun.stdout + rerun.stderr, err + rerun.stderr
    samples = run.read_all("samples").to_pandas()
    assert len(samples) == 8 * 3 and not samples.duplicated(["problem_id", "index"]).any()

    reference = _passbound("sample", str(_study(tmp_path, embedded_model, "reference", "", problems=8, max_tokens=24)))
    assert reference.returncode == 0, reference.stderr
    expected = _shards(RunDir(tmp_path / "reference"), "samples")
    pd.testing.assert_frame_equal(_shards(run, "samples"), expected)
