"""Bad study files and bad data: a message that names the problem, exit code 2, nothing lost."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from passbound.config import load_study
from passbound.stages import prepare_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

STUDY = """
name = "bad-input"
output = "run"
[[models]]
name = "m"
path = "nowhere"
role = "base"
engine = "hf"
template = "chat"
[[benchmarks]]
name = "synthetic"
limit = 4
options = {{ n_problems = 4 }}
{extra}
[sampling]
n = 2
"""


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "passbound", *args, "--no-progress"]
        if args[0] not in ("list",)
        else [sys.executable, "-m", "passbound", *args],
        capture_output=True,
        text=True,
    )


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def existing_run(tmp_path: Path) -> Path:
    """A run directory that already holds committed samples."""
    study_file = tmp_path / "study.toml"
    study_file.write_text(STUDY.format(extra=""))
    run = prepare_run(load_study(study_file))
    rows = [
        Sample("m", "synthetic", p.id, j, "\\boxed{1}", "stop", 3, 0)
        for p in run.read_problems("synthetic")
        for j in range(2)
    ]
    run.write_shard("samples", "m", "synthetic", 0, samples_to_table(rows))
    return tmp_path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[models]\nname=1", "not valid TOML"),
        (STUDY.format(extra="").replace("n = 2", "n = -1"), "sampling.n"),
        (STUDY.format(extra="").replace('role = "base"', 'role = "teacher"'), "models.0.role"),
        (STUDY.format(extra="").replace("n = 2", "n = 3"), "sampling.n changed from 2 to 3"),
        (
            STUDY.format(extra="").replace('template = "chat"', 'template = "chat"\ntemperature = 0.1'),
            "models.0.temperature: unknown field",
        ),
        (STUDY.format(extra="").replace('name = "synthetic"', 'name = "no-such-bench"'), "no-such-bench"),
    ],
)
def test_bad_study_exits_2_and_keeps_the_run(existing_run: Path, content: str, message: str) -> None:
    before = snapshot(existing_run / "run")
    bad = existing_run / "bad.toml"
    bad.write_text(content)
    res = passbound("run", str(bad), "--out", str(existing_run / "run"))
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert message in res.stderr
    assert "Traceback" not in res.stderr
    assert snapshot(existing_run / "run") == before


def test_bad_data_file_names_file_and_line(existing_run: Path) -> None:
    data = existing_run / "mine.jsonl"
    data.write_text('{"problem": "1+1", "answer": "2"}\n{"problem": "2+2", "answer": \n')
    study = existing_run / "data.toml"
    study.write_text(
        STUDY.format(extra="").replace(
            'name = "synthetic"\nlimit = 4\noptions = { n_problems = 4 }', f'name = "mine"\npath = "{data}"'
        )
    )
    before = snapshot(existing_run / "run")
    res = passbound("sample", str(study), "--out", str(existing_run / "run"))
    assert res.returncode == 2, res.stderr
    assert "mine.jsonl" in res.stderr and "2" in res.stderr
    assert snapshot(existing_run / "run") == before


def test_missing_data_dir_and_not_a_run(tmp_path: Path) -> None:
    study = tmp_path / "s.toml"
    study.write_text(STUDY.format(extra=""))
    res = passbound("run", str(study), "--data-dir", str(tmp_path / "missing"))
    assert res.returncode == 2 and "--data-dir" in res.stderr
    res = passbound("verify", str(tmp_path))
    assert res.returncode == 2 and "not a passbound run directory" in res.stderr


def test_output_under_a_file_is_refused(tmp_path: Path) -> None:
    """An output path inside a regular file: exit 2 naming the file, no traceback."""
    (tmp_path / "notes.txt").write_text("keep me")
    study = tmp_path / "s.toml"
    study.write_text(STUDY.format(extra="").replace('output = "run"', 'output = "notes.txt/run"'))
    res = passbound("sample", str(study))
    assert res.returncode == 2 and "notes.txt is a file" in res.stderr and "Traceback" not in res.stderr
    res = passbound("sample", str(study), "--out", str(tmp_path / "notes.txt"))
    assert res.returncode == 2 and "is a file" in res.stderr
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_grade_rejects_bad_rows(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    f.write_text('{"gold": "2", "completion": "\\\\boxed{2}"}\n{"completion": "x"}\n')
    res = passbound("grade", str(f))
    assert res.returncode == 2
    assert "in.jsonl:2" in res.stderr and "gold" in res.stderr
