"""`passbound grade` through the CLI on a MATH500-shaped workload at n = 256, against plain math-verify.

128,000 rows (MATH500's 500 problems x 256 completions, built by ``grading.make_items``: each
problem has a pass rate, a few distinct answers repeated in different text, correct spellings,
wrong answers, missing answers) are written as {"gold", "completion"} JSONL and graded by

(a) ``passbound grade rows.jsonl -o out.jsonl`` in a fresh process: the path users take, start-up,
    reading, extraction, dedupe, the pool and writing included;
(b) plain ``math_verify.verify(parse(gold), parse(completion))`` row by row in this process
    (the baseline), timed on a random sample of ``--plain-rows`` rows (it takes ~100x longer);
(c) ``MathVerifier.grade`` row by row on the same sample: (a)'s verdicts must equal it.

Prints rows/s of each and the ratio a/b (goal >= 20).

    python benchmarks/grade_cli.py                        # 128,000 rows
    python benchmarks/grade_cli.py --problems 50          # smoke test (12,800 rows)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading import REPO, make_items  # noqa: E402

from passbound.benchmarks import load_benchmark  # noqa: E402
from passbound.verify import MathVerifier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--plain-rows", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--data-dir", default=os.environ.get("PASSBOUND_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    args = parser.parse_args()

    problems = load_benchmark("math500", data_dir=args.data_dir).problems[: args.problems]
    items, completions, _ = make_items(problems, len(problems) * args.n)
    rows = [{"gold": p.target, "completion": c} for p, c in zip(items, completions)]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "rows.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        cmd = [sys.executable, "-m", "passbound", "grade", str(src), "-o", str(out), "--no-progress",
               "--workers", str(args.workers)]
        started = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        cli_seconds = time.perf_counter() - started
        graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(graded) == len(rows)
    cli_rate = len(rows) / cli_seconds

    from math_verify import parse, verify

    sample = random.Random(0).sample(range(len(rows)), min(args.plain_rows, len(rows)))
    started = time.perf_counter()
    for i in sample:
        verify(parse(rows[i]["gold"]), parse(rows[i]["completion"]))
    plain_rate = len(sample) / (time.perf_counter() - started)

    verifier = MathVerifier()
    started = time.perf_counter()
    serial = {i: verifier.grade(rows[i]["gold"], rows[i]["completion"]).status for i in sample}
    serial_rate = len(sample) / (time.perf_counter() - started)
    mismatches = [i for i in sample if graded[i]["status"] != serial[i]]

    print(f"rows={len(rows)} ({len(problems)} MATH500 problems x n={args.n}) cores={os.cpu_count()}")
    print(f"  (a) passbound grade (CLI, fresh process) {cli_seconds:8.1f} s = {cli_rate:9.0f} rows/s")
    print(f"  (b) plain math-verify row by row          on {len(sample)} rows = {plain_rate:9.0f} rows/s")
    print(f"  (c) MathVerifier row by row, serial        on {len(sample)} rows = {serial_rate:9.0f} rows/s")
    print(f"a/b = {cli_rate / plain_rate:.1f}x (goal >= 20)   a/c = {cli_rate / serial_rate:.1f}x")
    print(f"verdicts of (a) equal to (c) on the sample: {len(sample) - len(mismatches)}/{len(sample)}")
    for i in mismatches[:5]:
        print(f"  mismatch row {i}: cli={graded[i]['status']} serial={serial[i]} gold={rows[i]['gold']!r}")


if __name__ == "__main__":
    main()
