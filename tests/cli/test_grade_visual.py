"""`passbound grade` names MathVista/MathVision problems by their own ids; grading needs no images
(MathVista's local copy has none). Real CLI process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_grade_visual_rows_by_dataset_ids(tmp_path: Path, shared_data: Path) -> None:
    rows = [
        {"benchmark": "mathvista", "problem_id": "1", "completion": "The spring is compressed by \\boxed{1.23} m."},
        {"benchmark": "mathvista", "problem_id": "1", "completion": "So d = \\boxed{1.3}."},
        {"benchmark": "mathvision", "problem_id": "6", "completion": "The kittens are in picture \\boxed{D}."},
        {"benchmark": "mathvision", "problem_id": "6", "completion": "The answer is (B)."},
        {"benchmark": "mathvision", "problem_id": "6", "gold": "B", "completion": "The answer is (B)."},
    ]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "passbound",
            "grade",
            str(src),
            "--data-dir",
            str(shared_data),
            "-o",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["status"] for g in graded] == ["pass", "fail", "pass", "fail", "pass"], [g["detail"] for g in graded]
    assert graded[0]["verifier_version"].startswith("math-6") and graded[2]["verifier_version"].startswith("choice-4")
