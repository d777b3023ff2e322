"""The streamed sampler (requests fed across chunk boundaries, each chunk committed when its last
problem is done) draws exactly the chunked sampler's samples under the same seeds (hf engine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from _studies import smol_synthetic
from passbound.store import RunDir

pytestmark = pytest.mark.e2e


def _sample(tmp_path: Path, model: Path, name: str, runner: str) -> RunDir:
    study = tmp_path / f"{name}.toml"
    # 5 problems in chunks of 2: the last chunk is short; in_flight = 3 straddles every chunk boundary.
    study.write_text(
        smol_synthetic(model, name=name, output=tmp_path / name, problems=5, n=3, max_tokens=10, seed=11, chunk_size=2)
        + f"[runner]\n{runner}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "passbound", "sample", str(study), "--no-progress"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return RunDir(tmp_path / name)


def test_streamed_samples_equal_chunked_samples(tmp_path: Path, embedded_model: Path) -> None:
    chunked = _sample(tmp_path, embedded_model, "chunked", "stream = false")
    streamed = _sample(tmp_path, embedded_model, "streamed", "stream = true\nin_flight = 3")
    assert (
        chunked.chunks("samples", "smol", "synthetic") == streamed.chunks("samples", "smol", "synthetic") == [0, 1, 2]
    )
    for chunk in range(3):
        a = chunked.read_shard("samples", "smol", "synthetic", chunk)
        b = streamed.read_shard("samples", "smol", "synthetic", chunk)
        assert a.equals(b), f"chunk {chunk} differs"
    assert chunked.read_all("samples").num_rows == 15
