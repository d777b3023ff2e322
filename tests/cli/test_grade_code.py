"""`passbound grade` on code rows: the study's CodeVerifier, verdicts in input order.

Real CLI process, real HumanEval+ file, real sandbox; no doubles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from passbound.benchmarks import load_benchmark


def test_grade_code_rows_pass_and_fail_in_input_order(tmp_path: Path, shared_data: Path) -> None:
    p0, p1 = load_benchmark("humaneval_plus", data_dir=shared_data, limit=2).problems
    broken = p1.target.replace("return results", "return results[::-1]")
    assert broken != p1.target
    rows = [
        {"benchmark": "humaneval_plus", "problem_id": p1.id, "completion": f"```python\n{broken}```", "tag": "a"},
        {
            "benchmark": "humaneval_plus",
            "problem_id": p0.id,
            "completion": f"Sure:\n```python\n{p0.target}```\n",
            "tag": "b",
        },
        {"benchmark": "humaneval_plus", "problem_id": p1.id, "completion": f"```python\n{p1.target}```", "tag": "c"},
        {"benchmark": "humaneval_plus", "problem_id": p0.id, "completion": "I cannot solve this.", "tag": "d"},
    ]
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    env = dict(os.environ, PASSBOUND_CACHE=str(tmp_path / "cache"))  # reference outputs go here, not ~/.cache
    proc = subprocess.run([sys.executable, "-m", "passbound", "grade", str(src), "--data-dir", str(shared_data),
                           "-o", str(out), "--no-progress"], capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["tag"] for g in graded] == ["a", "b", "c", "d"]
    assert [g["status"] for g in graded] == ["fail", "pass", "pass", "no_answer"], [g["detail"] for g in graded]
    assert graded[0]["detail"].endswith("wrong output") and graded[0]["extracted"].strip() == broken.strip()
    assert all(g["verifier_version"].startswith("code-") for g in graded)
    assert list((tmp_path / "cache" / "code-reference").rglob("*.json")), "reference outputs were not cached"
