"""`passbound verl export`: verl parquet rows, the reward hook loaded by file path as verl loads it,
and every algorithm's launch config composed with verl's own shipped Hydra configs in verl's own
environment (.venv-verl, made by scripts/setup.sh)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from passbound.benchmarks import load_benchmark
from passbound.grade import grade_rows
from passbound.train.verl_export import ALGORITHMS, MERGED_BY_VERL, READ_WITH_GET, algorithm_settings

REPO = Path(__file__).resolve().parents[2]
VERL_PYTHON = REPO / ".venv-verl" / "bin" / "python"


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "passbound", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verl")
    res = passbound(
        "verl",
        "export",
        "synthetic",
        "--out",
        str(out),
        "--model",
        "Qwen/Qwen2.5-7B",
        "--limit",
        "24",
        "--group",
        "4",
        "--response-length",
        "1024",
    )
    assert res.returncode == 0, res.stderr
    return out


def test_parquet_rows_are_verls_schema(exported: Path) -> None:
    train, test = (pq.read_table(exported / f"{s}.parquet").to_pylist() for s in ("train", "test"))
    assert len(train) == len(test) == 24
    assert {r["extra_info"]["problem_id"] for r in train}.isdisjoint(r["extra_info"]["problem_id"] for r in test)
    gold = load_benchmark("synthetic", split="train", limit=24).by_id()
    for row in train:
        assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
        problem = gold[row["extra_info"]["problem_id"]]
        assert row["data_source"] == "synthetic" and row["ability"] == "math" and row["extra_info"]["kind"] == "math"
        assert row["reward_model"] == {"style": "rule", "ground_truth": problem.target}
        assert row["prompt"][0]["role"] == "user" and problem.prompt.strip() in row["prompt"][0]["content"]


def test_reward_hook_loads_by_path_and_equals_grade(exported: Path) -> None:
    spec = importlib.util.spec_from_file_location("verl_custom_reward", exported / "reward.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # what verl's get_custom_reward_fn does with the path
    rows = pq.read_table(exported / "train.parquet").to_pylist()[:6]
    completions = [
        f"so \\boxed{{{r['reward_model']['ground_truth']}}}" if i % 2 else "the answer is \\boxed{-1}"
        for i, r in enumerate(rows)
    ]
    scores = [
        module.compute_score(r["data_source"], c, r["reward_model"]["ground_truth"], r["extra_info"])
        for r, c in zip(rows, completions)
    ]
    graded = grade_rows(
        [{"gold": r["reward_model"]["ground_truth"], "completion": c} for r, c in zip(rows, completions)]
    )
    assert [s["status"] for s in scores] == [g["status"] for g in graded] == ["fail", "pass"] * 3
    assert [s["score"] for s in scores] == [0.0, 1.0] * 3


def test_every_algorithm_composes_with_verls_own_configs(exported: Path) -> None:
    assert VERL_PYTHON.is_file(), "verl's environment is missing: run `bash scripts/setup.sh` (it makes .venv-verl)"
    res = subprocess.run(
        [str(VERL_PYTHON), str(Path(__file__).parent / "_verl_compose.py"), str(exported), *ALGORITHMS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert set(report["configs"]) == set(ALGORITHMS)
    for algorithm, composed in report["configs"].items():
        undeclared = [k for k in composed["not_in_verl"] if not k.startswith(READ_WITH_GET)]
        assert undeclared == [], (algorithm, undeclared)  # no typo'd key silently ignored by verl
        values = composed["values"]
        assert values["algorithm.adv_estimator"] in report["estimators"]
        for key, value in algorithm_settings(algorithm, group=4, kl=0.001).items():
            assert values[key] == value, (algorithm, key)
        assert values["reward.custom_reward_function.path"] == str(exported / "reward.py")
        assert values["data.train_files"] == str(exported / "train.parquet")
        assert composed["n_keys"] > 500  # verl's whole trainer config is underneath
    assert report["configs"]["dapo"]["values"]["reward.reward_kwargs.overlong_buffer_cfg.len"] == 256
    assert report["configs"]["ppo"]["values"]["critic.model.path"] == "Qwen/Qwen2.5-7B"


def test_bad_export_requests_exit_2(tmp_path: Path, shared_data: Path) -> None:
    res = passbound("verl", "export", "synthetic", "--out", str(tmp_path / "a"), "--model", "m", "--algorithm", "ppo2")
    assert res.returncode == 2 and "unknown verl algorithm" in res.stderr
    res = passbound("verl", "export", "synthetic", "--out", str(tmp_path / "b"), "--model", "m", "--group", "1")
    assert res.returncode == 2 and "--group" in res.stderr
    res = passbound(
        "verl", "export", "mathvision", "--out", str(tmp_path / "c"), "--model", "m", "--data-dir", str(shared_data)
    )
    assert res.returncode == 2 and "no usable 'train' split" in res.stderr


def test_passk_algorithms_compose_with_verls_own_configs(tmp_path: Path) -> None:
    """`--algorithm passk/pkpo`: GRPO's settings with passbound's estimator (k in its name), and the
    Ray runtime environment that makes every verl worker import the module registering it."""
    from passbound.train.verl_advantage import MODULE, estimators

    out = tmp_path / "verl"
    res = passbound(
        "verl",
        "export",
        "synthetic",
        "--out",
        str(out),
        "--model",
        "m",
        "--limit",
        "4",
        "--group",
        "4",
        "--algorithm",
        "passk",
        "--algorithm",
        "pkpo",
        "--k",
        "2",
    )
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.glob("*.yaml")) == ["passk.yaml", "pkpo.yaml"]
    res = subprocess.run(
        [str(VERL_PYTHON), str(Path(__file__).parent / "_verl_compose.py"), str(out), "passk", "pkpo"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    registered = estimators()
    grpo = algorithm_settings("grpo", group=4, kl=0.001)
    for algorithm, name in (("passk", "passbound_passk_2"), ("pkpo", "passbound_pkpo_2")):
        composed = report["configs"][algorithm]
        assert [k for k in composed["not_in_verl"] if not k.startswith(MERGED_BY_VERL)] == []
        values = composed["values"]
        assert values["algorithm.adv_estimator"] == name and name in registered
        assert name not in report["estimators"]  # verl's own grpo_passk is another estimator
        assert values["ray_kwargs.ray_init.runtime_env.env_vars.VERL_USE_EXTERNAL_MODULES"] == MODULE
        assert all(values[key] == value for key, value in grpo.items() if key != "algorithm.adv_estimator")
    res = passbound(
        "verl",
        "export",
        "synthetic",
        "--out",
        str(tmp_path / "bad"),
        "--model",
        "m",
        "--group",
        "4",
        "--algorithm",
        "passk",
        "--k",
        "5",
    )
    assert res.returncode == 2 and "--k must be between 1 and --group (4)" in res.stderr
