"""`passbound grade` through the CLI on a MATH500-shaped workload at n = 256, against the floor.

128,000 rows (MATH500's 500 problems x 256 completions, built by ``grading.make_items``: each
problem has a pass rate, a few distinct answers repeated in different text, correct spellings,
wrong answers, missing answers), each padded with 2-4 KB of reasoning and a few pathological
rows mixed in, are written as {"gold", "completion"} JSONL and graded by

(floor) a bare single-core Python loop in this process that reads the file, ``json.loads`` each
    row and cuts out its last ``\\boxed{...}``: the least any grader must do per row;
(a) ``passbound grade rows.jsonl -o out.jsonl`` in a fresh process: the path users take, start-up,
    reading, extraction, dedupe, the pool and writing included;
(b) plain ``math_verify.verify(parse(gold), parse(completion))`` row by row in this process,
    timed on a random sample of ``--plain-rows`` rows (it takes ~100x longer; 0 skips it);
(c) ``MathVerifier.grade`` row by row on the same sample: (a)'s verdicts must equal it.

Prints the seconds of each, the ratio a/floor (goal <= 3, both measured in this run), and
how long (a) took for the rows of each run when ``--repeat`` > 1 (min and median).

    python perf/grade_cli.py                        # 128,000 rows
    python perf/grade_cli.py --problems 50          # smoke test (12,800 rows)
    python perf/grade_cli.py --keep out.jsonl       # also keep (a)'s output (compare verdicts)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading import REPO, make_items  # noqa: E402

from passbound.benchmarks import load_benchmark  # noqa: E402
from passbound.verify import MathVerifier  # noqa: E402

# Reasoning steps a model writes before its answer (with math, the word "answer", dollars and
# backslashes, so extraction sees what it sees in real completions).
STEPS = (
    "Let me set up the quantities first. We have $a + b = 12$ and $ab = 35$, so $(a-b)^2 = 144 - 140 = 4$. ",
    "Checking the edge cases: when $x = 0$ the expression is $\\frac{3}{4}$, and for large $x$ it tends to $1$. ",
    "Wait, I should double-check this step, because the answer depends on whether $n$ is even or odd. ",
    "Substituting back, \\[ f(2) = 2^3 - 3 \\cdot 2 + 1 = 3, \\] which matches the earlier computation. ",
    "By the triangle inequality, $|z_1 + z_2| \\le |z_1| + |z_2| = 5$, with equality when they are parallel. ",
    "Hmm, that does not look right. Let me recount the cases: there are $\\binom{5}{2} = 10$ ways to choose the pair. ",
    "So the sum telescopes: $\\sum_{k=1}^{n} \\left(\\frac{1}{k} - \\frac{1}{k+1}\\right) = 1 - \\frac{1}{n+1}$. ",
    "Now, to find the answer we need the value at the endpoint, which is $\\sqrt{2}$ times the radius. ",
    "Alternatively, we can factor: $x^2 - 5x + 6 = (x-2)(x-3)$, so the roots are $2$ and $3$. ",
    "The area of the triangle is $\\tfrac12 \\cdot 6 \\cdot 8 = 24$, and the hypotenuse is $10$.\n\n",
)


def pad_reasoning(completion: str, rng: random.Random, low_kb: float, high_kb: float) -> str:
    """Insert reasoning steps before the answer line until the row is low_kb..high_kb long."""
    head, sep, tail = completion.rpartition("\n")
    target = int(rng.uniform(low_kb, high_kb) * 1024)
    steps = []
    size = len(completion)
    while size < target:
        steps.append(rng.choice(STEPS))
        size += len(steps[-1])
    return head + sep + "".join(steps) + "\n" + tail if sep else "".join(steps) + completion


def pathological(gold: str, j: int) -> str:
    """A few rows of the shapes that trip graders, all bounded in cost."""
    return (
        f"So \\boxed{{{gold}",  # truncated box
        f"\\boxed{{\\boxed{{{gold}}}}}",  # box around a box
        "x" * 20_000 + f" The answer is ${gold}$.",  # a long row
        "\\boxed{" * 200 + "1",  # many unterminated boxes
        f"The answer is \\boxed{{{gold}}} or \\boxed{{7}}.",  # hedged
        f"\\boxed{{ {gold} \\quad 2}}",  # two values in one box
    )[j % 6]


def build_rows(problems, n: int, low_kb: float, high_kb: float, seed: int = 0) -> list[dict[str, str]]:
    items, completions, _ = make_items(problems, len(problems) * n, seed=seed)
    rng = random.Random(seed + 1)
    rows = []
    for k, (p, c) in enumerate(zip(items, completions)):
        text = pathological(p.target, k) if rng.random() < 0.0005 else pad_reasoning(c, rng, low_kb, high_kb)
        rows.append({"gold": p.target, "completion": text})
    return rows


def floor_seconds(path: Path) -> tuple[float, int]:
    """A bare loop: read each line, json.loads it, cut out its last \\boxed{...} (braces matched)."""
    started = time.perf_counter()
    found = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["completion"]
            start = text.rfind("\\boxed{")
            if start < 0:
                continue
            depth, pos = 0, start + 6
            while pos < len(text):
                ch = text[pos]
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        found += bool(text[start + 7 : pos])
                        break
                pos += 1
    return time.perf_counter() - started, found


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_stats() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) of every process now alive."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return out


def run_tree(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds of ``cmd`` and CPU seconds of its process tree (it, the fork server, the
    workers), sampled from /proc every 20 ms (a worker's last <20 ms are missed). On a machine
    shared with other work, CPU seconds / cores is what the wall time would be on idle cores."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    cpu: dict[int, float] = {}
    tree = {proc.pid}
    while proc.poll() is None:
        stats = _proc_stats()
        for pid, (ppid, _) in stats.items():
            if ppid in tree:
                tree.add(pid)
        for pid in tree & stats.keys():
            cpu[pid] = max(cpu.get(pid, 0.0), stats[pid][1])
        time.sleep(0.02)
    wall = time.perf_counter() - started
    err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, sum(cpu.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument(
        "--kb",
        type=float,
        nargs=2,
        default=(2.0, 4.0),
        metavar=("LOW", "HIGH"),
        help="completion length range in KB (reasoning padded in)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of floor and (a), alternating")
    parser.add_argument("--plain-rows", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="copy (a)'s output file here")
    parser.add_argument("--rows-out", type=Path, help="copy the input rows here (to profile or compare)")
    parser.add_argument(
        "--compare-src", type=Path, help="also time the CLI of this source tree (e.g. main's src/) in the same runs"
    )
    parser.add_argument("--workdir", type=Path, help="folder for the 400 MB input and output (default: a temp dir)")
    parser.add_argument(
        "--data-dir", default=os.environ.get("PASSBOUND_SHARED_DATA", str(REPO.parent / "shared" / "data"))
    )
    args = parser.parse_args()

    problems = load_benchmark("math500", data_dir=args.data_dir).problems[: args.problems]
    rows = build_rows(problems, args.n, *args.kb)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        src, out = Path(tmp) / "rows.jsonl", Path(tmp) / "out.jsonl"
        with open(src, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
        size_mb = src.stat().st_size / 1e6
        cmd = [
            sys.executable,
            "-m",
            "passbound",
            "grade",
            str(src),
            "-o",
            str(out),
            "--no-progress",
            "--workers",
            str(args.workers),
        ]
        floors, clis, others = [], [], []
        floor_cpu, cli_cpu, other_cpu = [], [], []
        other_env = dict(os.environ, PYTHONPATH=str(args.compare_src)) if args.compare_src else None
        for _ in range(args.repeat):
            cpu_started = time.process_time()
            floors.append(floor_seconds(src)[0])
            floor_cpu.append(time.process_time() - cpu_started)
            if other_env:
                wall, cpu = run_tree(cmd, env=other_env)
                others.append(wall)
                other_cpu.append(cpu)
            wall, cpu = run_tree(cmd)
            clis.append(wall)
            cli_cpu.append(cpu)
        graded = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        if args.keep:
            shutil.copyfile(out, args.keep)
        if args.rows_out:
            shutil.copyfile(src, args.rows_out)
    assert len(graded) == len(rows)
    ratios = [c / f for f, c in zip(floors, clis)]
    load = os.getloadavg()
    print(
        f"rows={len(rows)} ({len(problems)} MATH500 problems x n={args.n}, {size_mb:.0f} MB) "
        f"cores={len(os.sched_getaffinity(0))} load average {load[0]:.2f} {load[1]:.2f}"
    )
    print(f"  statuses: {dict(Counter(r['status'] for r in graded))}")
    print(
        f"  distinct (gold, answer) pairs: {len({(r['gold'], r['extracted']) for r in graded if r['extracted'] is not None})}"
    )
    print(
        f"  (floor) json.loads + last box, 1 core  min {min(floors):6.2f} s  median {statistics.median(floors):6.2f} s"
    )
    print(f"  (a) passbound grade (CLI, fresh)       min {min(clis):6.2f} s  median {statistics.median(clis):6.2f} s")
    if others:
        print(
            f"  (a0) CLI of {args.compare_src}  min {min(others):6.2f} s  median {statistics.median(others):6.2f} s"
            f"  (a0/floor median {statistics.median(o / f for f, o in zip(floors, others)):.2f}x)"
        )
    print(
        f"  a/floor per run: {' '.join(f'{r:.2f}' for r in ratios)}; min {min(ratios):.2f}x, "
        f"median {statistics.median(ratios):.2f}x (goal <= 3)"
    )
    cores = len(os.sched_getaffinity(0))
    print(
        f"  CPU seconds (median): floor {statistics.median(floor_cpu):.2f}, (a) {statistics.median(cli_cpu):.2f}"
        + (f", (a0) {statistics.median(other_cpu):.2f}" if other_cpu else "")
        + f"; (a) CPU / {cores} cores / floor CPU = "
        f"{statistics.median(c / cores / f for c, f in zip(cli_cpu, floor_cpu)):.2f}x (the ratio idle cores would give)"
    )

    if not args.plain_rows:
        return
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
    cli_rate = len(rows) / statistics.median(clis)
    print(f"  (b) plain math-verify row by row          on {len(sample)} rows = {plain_rate:9.0f} rows/s")
    print(f"  (c) MathVerifier row by row, serial        on {len(sample)} rows = {serial_rate:9.0f} rows/s")
    print(f"  a/b = {cli_rate / plain_rate:.1f}x faster   a/c = {cli_rate / serial_rate:.1f}x")
    print(f"  verdicts of (a) equal to (c) on the sample: {len(sample) - len(mismatches)}/{len(sample)}")
    for i in mismatches[:5]:
        print(f"  mismatch row {i}: cli={graded[i]['status']} serial={serial[i]} gold={rows[i]['gold']!r}")


if __name__ == "__main__":
    main()
