"""`passbound grade` through the CLI on code against evalplus 0.3.1, on the same programs.

The workload of issue 23's must-have 7: the first N HumanEval+ problems (default 40), each its
canonical solution and 9 copies that differ only by a trailing comment (400 distinct programs:
nothing is deduplicated), written as {"benchmark", "problem_id", "completion"} JSONL and graded by

(a) ``passbound grade rows.jsonl -o out.jsonl --workers W`` in a fresh process: start-up, loading
    the benchmark, the pool, the warm sandboxes, reference outputs and writing all included;
(b) ``python -m evalplus.evaluate --parallel W`` on the programs passbound extracted.

Both start cold (passbound's reference cache and evalplus's ground-truth cache are fresh temp
dirs). The two alternate (a b, b a, ...) for ``--repeat`` pairs, so a drift in the machine's
load hits both; each pair's ratio (b)/(a) in programs/s is printed, then their median, and
whether the verdicts (pass / not pass) agree on every program. ``--baseline SRC`` also times
``passbound grade`` from another checkout's ``src`` in each pair (before/after in one run).

Each pair also times (f) the floor no grader can beat: the programs' own compute, each program
and each reference solution called on every test input in W plain processes (programs dealt
round-robin), with no isolation, timing or comparison at all, in CPU seconds of the slower
process: the wall time two idle cores would need. (a) and (b) are wall times, which a loaded
machine stretches and (f) is not: compare (b)/(f) only on a quiet machine, where under 2 means
2x evalplus is out of reach whatever the grader does around the programs.

    python perf/code_grade_cli.py                 # 40 problems x 10 programs, 2 workers, 3 pairs
    python perf/code_grade_cli.py --problems 8 --repeat 1    # smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from passbound.benchmarks import load_benchmark

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "verify"))
from _code_programs import read_rows, run_evalplus  # noqa: E402

DATA = Path(os.environ.get("PASSBOUND_SHARED_DATA", REPO.parent / "shared" / "data"))
# Where evalplus 0.3.1 and passbound are known to differ (see passbound/verify/code.py).
KNOWN = {"HumanEval/32": "evalplus's find_zero oracle never passes, a bug in evalplus 0.3.1",
         "HumanEval/15": "huge outputs: evalplus times out correct programs here on a loaded machine"}  # fmt: skip


def write_rows(path: Path, problems: list, copies: int) -> list[tuple[str, str]]:
    """The canonical solution and ``copies`` copies with a trailing comment, per problem; the
    (task_id, program) pairs in row order."""
    programs = []
    with open(path, "w", encoding="utf-8") as fh:
        for p in problems:
            for k in range(copies + 1):
                program = p.target if k == 0 else f"{p.target.rstrip()}\n# copy {k}\n"
                completion = f"```python\n{program.rstrip()}\n```\n"
                fh.write(
                    json.dumps({"benchmark": "humaneval_plus", "problem_id": p.id, "completion": completion}) + "\n"
                )
                programs.append((p.id, program))
    return programs


def run_passbound(rows: Path, out: Path, cache: Path, workers: int, src: str | None = None) -> tuple[float, list[dict]]:
    """Wall seconds of ``passbound grade`` in a fresh process (cold reference cache), its rows;
    ``src``: import passbound from there."""
    env = dict(os.environ, PASSBOUND_CACHE=str(cache))
    if src:
        env["PYTHONPATH"] = src
    cmd = [sys.executable, "-m", "passbound", "grade", str(rows), "-o", str(out), "--workers", str(workers),
           "--data-dir", str(DATA), "--no-progress"]  # fmt: skip
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError(f"passbound grade failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    with open(out, encoding="utf-8") as fh:
        return seconds, [json.loads(line) for line in fh]


def floor_worker(rows: Path, worker: int, workers: int) -> None:
    """(f) in one process: every ``workers``-th program of ``rows`` (and reference), computed."""
    import copy

    problems = {p.id: p for p in load_benchmark("humaneval_plus", data_dir=DATA).problems}
    with open(rows, encoding="utf-8") as fh:
        ids = [json.loads(line)["problem_id"] for line in fh]
    jobs = [(pid, problems[pid].target) for pid in dict.fromkeys(ids)]  # the references
    jobs += [(pid, problems[pid].target) for pid in ids]  # the programs (a comment changes no work)
    seconds = 0.0
    for pid, program in jobs[worker::workers]:
        meta = problems[pid].metadata
        namespace: dict = {}
        exec(compile(program, "solution.py", "exec"), namespace)
        fn = namespace[meta["entry_point"]]
        # Each call gets inputs of its own, copied before the clock starts (passbound decodes
        # fresh ones, evalplus deep-copies them): only the calls are timed.
        inputs = copy.deepcopy(list(meta.get("base_input") or []) + list(meta.get("plus_input") or []))
        start = time.process_time()
        for args in inputs:
            fn(*args)
        seconds += time.process_time() - start
    print(seconds)


def run_floor(rows: Path, workers: int) -> float:
    """Seconds of (f): ``workers`` plain processes started together, the slowest one's CPU
    seconds in the programs' calls alone (loading and copying left out: if anything too low)."""
    procs = [subprocess.Popen([sys.executable, __file__, "--floor-worker", str(rows), str(k), str(workers)],
                              stdout=subprocess.PIPE, text=True) for k in range(workers)]  # fmt: skip
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode != 0 for p in procs):
        raise RuntimeError("a floor worker failed")
    return max(float(o.split()[-1]) for o in outs)


def main() -> None:
    if sys.argv[1:2] == ["--floor-worker"]:
        floor_worker(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=40, help="first N HumanEval+ problems")
    ap.add_argument("--copies", type=int, default=9, help="copies of each canonical solution (trailing comment)")
    ap.add_argument("--workers", type=int, default=2, help="processes for both graders")
    ap.add_argument("--repeat", type=int, default=3, help="(a, b) pairs, alternating which runs first")
    ap.add_argument("--only", choices=["passbound", "evalplus"], help="time one side alone (no ratio)")
    ap.add_argument("--baseline", metavar="SRC", help="also time passbound imported from SRC (another checkout's src)")
    args = ap.parse_args()

    problems = load_benchmark("humaneval_plus", data_dir=DATA, limit=args.problems).problems
    dataset = {r["task_id"]: r for r in read_rows(DATA / "humaneval_plus" / "HumanEvalPlus.jsonl.gz")}
    print(f"{len(problems)} HumanEval+ problems x {args.copies + 1} programs, {args.workers} workers, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    ratios, ours_all, theirs_all, base_all, floor_all = [], [], [], [], []
    disagree = None
    with tempfile.TemporaryDirectory(prefix="code-grade-cli-") as tmp:
        rows = Path(tmp) / "rows.jsonl"
        programs = write_rows(rows, problems, args.copies)
        n = len(programs)
        for r in range(args.repeat):
            ours = theirs = None
            order = ["passbound", "evalplus", "floor"] if r % 2 == 0 else ["floor", "evalplus", "passbound"]
            if args.baseline:
                order.insert(1, "baseline")
            for side in order:
                if (
                    args.only
                    and side not in (args.only, "floor")
                    and not (side == "baseline" and args.only == "passbound")
                ):
                    continue
                work = Path(tmp) / f"{side}-{r}"
                work.mkdir()
                load = os.getloadavg()[0]
                if side == "floor":
                    floor_all.append(run_floor(rows, args.workers))
                    print(f"  (f) compute floor:   {floor_all[-1]:6.1f}s  {n / floor_all[-1]:5.1f} programs/s  (load {load:.1f})",
                          flush=True)  # fmt: skip
                    continue
                if side == "baseline":
                    base, _ = run_passbound(rows, work / "out.jsonl", work / "cache", args.workers, args.baseline)
                    base_all.append(base)
                    print(f"  (c) baseline grade:  {base:6.1f}s  {n / base:5.1f} programs/s  (load {load:.1f})",
                          flush=True)  # fmt: skip
                elif side == "passbound":
                    ours, graded = run_passbound(rows, work / "out.jsonl", work / "cache", args.workers)
                    extracted = [(p, g.get("extracted") or "") for (p, _), g in zip(programs, graded)]
                    print(f"  (a) passbound grade: {ours:6.1f}s  {n / ours:5.1f} programs/s  (load {load:.1f})",
                          flush=True)  # fmt: skip
                else:
                    samples = extracted if ours is not None else programs
                    passed, theirs, _gt = run_evalplus("humaneval", [dataset[p.id] for p in problems], samples,
                                                       workers=args.workers, workdir=work)  # fmt: skip
                    print(f"  (b) evalplus:        {theirs:6.1f}s  {n / theirs:5.1f} programs/s  (load {load:.1f})",
                          flush=True)  # fmt: skip
            if ours is not None and theirs is not None:
                ratios.append(theirs / ours)
                ours_all.append(ours)
                theirs_all.append(theirs)
                print(f"pair {r}: (b)/(a) = {theirs / ours:.2f}x", flush=True)
                disagree = [(p, g["status"], ok) for (p, _), g, ok in zip(programs, graded, passed)
                            if (g["status"] == "pass") != ok]  # fmt: skip
    if ratios:
        print(f"median: passbound {statistics.median(ours_all):.1f}s, evalplus {statistics.median(theirs_all):.1f}s; "
              f"ratio {statistics.median(ratios):.2f}x (pairs: {', '.join(f'{x:.2f}' for x in ratios)})")  # fmt: skip
    if floor_all and theirs_all:
        print(f"floor median {statistics.median(floor_all):.1f}s: evalplus / floor "
              f"{statistics.median(theirs_all) / statistics.median(floor_all):.2f}x, passbound / floor "
              f"{statistics.median(ours_all) / statistics.median(floor_all):.2f}x" if ours_all else "")  # fmt: skip
    if base_all and ours_all:
        print(f"baseline median {statistics.median(base_all):.1f}s: after/before "
              f"{statistics.median(base_all) / statistics.median(ours_all):.2f}x programs/s")  # fmt: skip
    if disagree is not None:
        if not disagree:
            print(f"verdicts: identical (pass / not pass) on all {n} programs")
        for (pid, status, ok), count in sorted(Counter(disagree).items()):
            why = KNOWN.get(pid, "not a known difference")
            print(f"  differs: {pid} x{count}: passbound {status}, evalplus {'pass' if ok else 'not pass'} ({why})")


if __name__ == "__main__":
    main()
