"""`passbound grade`'s file path: workers read their own shards, output lines are the input lines
with the verdict appended. Whatever the rows look like, the output must be what the plain path
(``read_grade_rows`` + ``grade_rows``) gives: same values, same key order, same verdicts.

Real files, real pool, real math-verify; no doubles.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import passbound.grade as grade_mod
from passbound.benchmarks import load_benchmark
from passbound.grade import grade_file, grade_rows, read_grade_rows
from passbound.verify.pool import GradingPool, Task

sys.path.insert(0, str(Path(__file__).parents[1] / "verify"))  # workers import the helper by name
from _misbehaving import hanging_scan

HEAVY = ("numpy", "pyarrow", "pandas", "pydantic", "rich", "torch", "vllm", "sympy", "math_verify")


def _rows_file(path: Path, shared_data: Path) -> None:
    p = load_benchmark("math500", data_dir=shared_data, limit=1).problems[0]
    lines = [
        json.dumps({"gold": "\\frac{1}{2}", "completion": "so \\boxed{0.5}"}),
        json.dumps({"gold": 18, "completion": "The answer is 18.", "n": [1, 2.5, None]}),  # gold not a string
        json.dumps({"tag": "ü", "gold": "7", "completion": "Ünïcödé — \\boxed{7} ✓"}, ensure_ascii=False),
        "",
        json.dumps({"benchmark": "math500", "problem_id": p.id, "completion": f"\\boxed{{{p.target}}}"}),
        json.dumps({"benchmark": "math500", "problem_id": p.id, "gold": "5", "completion": "\\boxed{5}"}),
        json.dumps({"gold": "3", "completion": "\\boxed{3}", "status": "fail", "detail": "old"}),  # re-graded
        '   {"gold" : "4" ,"completion":"\\\\boxed{4}"}  \r',  # odd spacing, CRLF
        json.dumps({"gold": "2", "completion": "no answer here"}),
        json.dumps({"gold": "x", "completion": "\\boxed{\\ud800}"}),  # a lone surrogate, escaped
        json.dumps({"gold": "9", "completion": "\\boxed{9}", "gold2": "\\u00e9"}),
    ]
    path.write_bytes(("\n".join(lines)).encode("utf-8"))  # no newline after the last row


@pytest.mark.parametrize("shard_bytes", [64, 1 << 20])
def test_output_equals_the_plain_path(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch, shard_bytes: int
) -> None:
    src = tmp_path / "rows.jsonl"
    _rows_file(src, shared_data)
    monkeypatch.setattr(grade_mod, "SHARD_BYTES", shard_bytes)  # 64: a shard per row, split mid-file
    out = io.BytesIO()
    counts = grade_file(src, out, data_dir=shared_data, workers=2)
    expected = grade_rows(read_grade_rows(src), data_dir=shared_data, workers=1)
    got = [json.loads(line) for line in out.getvalue().decode("utf-8").splitlines()]
    assert got == expected
    assert [list(g) for g in got] == [list(e) for e in expected]  # key order too
    assert [g["status"] for g in got] == [
        "pass",
        "pass",
        "pass",
        "pass",
        "pass",
        "pass",
        "pass",
        "no_answer",
        "fail",
        "pass",
    ]
    assert sum(counts.values()) == 10 and counts["no_answer"] == 1


def test_a_bad_row_late_in_the_file_names_its_line(tmp_path: Path) -> None:
    src = tmp_path / "rows.jsonl"
    good = json.dumps({"gold": "1", "completion": "\\boxed{1}"}) + "\n"
    src.write_text(good * 3000 + '{"completion": "x"}\n' + good)
    with pytest.raises(Exception, match=r"rows.jsonl:3001: give either"):
        grade_file(src, io.BytesIO(), workers=2)


def test_a_row_whose_extraction_hangs_is_alone_in_timing_out(tmp_path: Path) -> None:
    # Shards that overrun the hard limit are split until the row that overruns it is alone: that
    # row is "timeout", every other row is read and extracted.
    src = tmp_path / "rows.jsonl"
    rows = [{"gold": str(i), "completion": f"\\boxed{{{i}}}" + (" HANG" if i == 5 else "")} for i in range(8)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    started = time.monotonic()
    with GradingPool(timeout=0.5, workers=2) as pool:
        scans = grade_mod._scan(pool, Task(hanging_scan), src, [(0, src.stat().st_size)], {}, None, {}, 0.5)
    elapsed = time.monotonic() - started
    assert scans is not None
    per_row = [(scan.answers[a] if a >= 0 else None, failure) for scan, failure in scans for a in scan.ans]
    assert per_row[5] == (None, "timeout: answer extraction took over 0.5s (worker killed)")
    assert [answer for answer, _ in per_row[:5] + per_row[6:]] == ["0", "1", "2", "3", "4", "6", "7"]
    assert elapsed < 3 * 0.5 + 10, elapsed  # three splits, each one timeout, plus worker starts


def test_cli_grades_in_place_without_heavy_imports(tmp_path: Path) -> None:
    src = tmp_path / "rows.jsonl"
    src.write_text(
        json.dumps({"gold": "\\frac{1}{2}", "completion": "\\boxed{\\frac{2}{4}}"})
        + "\n"
        + json.dumps({"gold": "3", "completion": "\\boxed{4}"})
        + "\n"
    )
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr))\n"
        f"sys.argv = ['passbound', 'grade', {str(src)!r}, '-o', {str(src)!r}, '--no-progress']\n"
        "from passbound.cli import main\nmain()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr  # math-verify and sympy live in the workers only
    graded = [json.loads(line) for line in src.read_text().splitlines()]
    assert [g["status"] for g in graded] == ["pass", "fail"]
    assert not list(tmp_path.glob(".rows.jsonl.*"))  # no partial file left behind
