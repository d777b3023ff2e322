"""Programs for code-grading tests and the code_grading benchmark: corruptions of reference
solutions, tricky-but-honest variants, and a runner for evalplus's own evaluator.

It lives in an importable module because ``perf/code_grading.py`` uses the same inputs.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Each corruption rebinds the entry point to a wrapper that changes every result, so the
# behaviour differs on every test input (a wrong constant, an off-by-one, a flipped bool ...).
_WRAP = '''

_passbound_original = {ep}


def {ep}(*args, **kwargs):
    result = _passbound_original(*args, **kwargs)
    return _passbound_corrupt(result)


def _passbound_corrupt(r):
{body}
'''

CORRUPTIONS: dict[str, str] = {
    # off by one / flip / grow: changes every value (None <-> not None for MBPP's not-None oracle)
    "off_by_one": (
        "    if r is None:\n        return 0\n    if isinstance(r, bool):\n        return None if r else True\n"
        "    if isinstance(r, (int, float)):\n        return r + 1\n    if isinstance(r, complex):\n        return r + 1\n"
        "    if isinstance(r, str):\n        return r + 'x'\n    if isinstance(r, (list, tuple)):\n"
        "        return type(r)(list(r) + [None])\n    if isinstance(r, (set, frozenset)):\n        return type(r)(set(r) | {None})\n"
        "    if isinstance(r, dict):\n        return {**r, None: None}\n    return None\n"
    ),
    # a wrong constant of a different type
    "constant": "    return None if r is not None else -12345\n",
}


def corrupt(program: str, entry_point: str, kind: str = "off_by_one") -> str:
    """``program`` with ``entry_point`` returning a wrong value on every call."""
    return program.rstrip("\n") + "\n" + _WRAP.format(ep=entry_point, body=CORRUPTIONS[kind])


def swap_operator(program: str) -> str | None:
    """A classic mutation: the first ``<`` / ``>`` / ``+`` / ``-`` in the function swapped
    (may or may not change behaviour; used for realistic variety, not for must-fail tests)."""
    for old, new in ((" < ", " <= "), (" > ", " >= "), (" + ", " - "), (" - ", " + "), (" == ", " != ")):
        idx = program.rfind(old)
        if idx >= 0:
            return program[:idx] + new + program[idx + len(old) :]
    return None


def respaced(program: str) -> str:
    """The same program with a comment added: a distinct text with the same behaviour."""
    return "# solution\n" + program


def fenced(program: str) -> str:
    """A chat-style completion whose extracted program is exactly ``program``."""
    return f"Here is my solution:\n\n```python\n{program.rstrip()}\n```\n"


def read_rows(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_evalplus(
    dataset: str,
    rows: list[dict[str, Any]],
    samples: list[tuple[str, str]],
    *,
    workers: int,
    workdir: Path,
    statuses: list[tuple[str, str]] | None = None,
) -> tuple[list[bool], float, float]:
    """Run evalplus's evaluator (``python -m evalplus.evaluate``) on ``samples`` [(task_id,
    solution)] against exactly ``rows`` (the dataset file's rows for those tasks).

    Returns (passed per sample in input order, wall seconds, seconds of that spent computing
    its ground truth). Its caches go to ``workdir``, never to ~/.cache. ``statuses``, if given,
    receives evalplus's (base_status, plus_status) per sample.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"{dataset}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sample_file = workdir / "samples.jsonl"
    sample_file.write_text("".join(json.dumps({"task_id": t, "solution": s}) + "\n" for t, s in samples))
    result_file = workdir / "samples_eval_results.json"
    result_file.unlink(missing_ok=True)
    env = dict(
        os.environ, XDG_CACHE_HOME=str(workdir / "cache"), TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1"
    )  # its stdout must be complete when the lingering process is killed
    env["HUMANEVAL_OVERRIDE_PATH" if dataset == "humaneval" else "MBPP_OVERRIDE_PATH"] = str(data)
    cmd = [sys.executable, "-m", "evalplus.evaluate", "--dataset", dataset, "--samples", str(sample_file),
           "--parallel", str(workers)]  # fmt: skip
    # evalplus writes its results and then lingers up to 20 s in a non-daemon "stucking checker"
    # thread (evalplus/evaluate.py sleeps 20 s per round): the clock stops when the results file
    # is complete, and the lingering process is then killed, so that sleep is not counted.
    start = time.monotonic()
    out_file = workdir / "evalplus.stdout"
    with open(out_file, "w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, text=True)
        raw = None
        try:
            while time.monotonic() - start < 3600:
                if result_file.is_file():
                    try:
                        raw = json.loads(result_file.read_text())
                    except ValueError:
                        raw = None  # still being written
                    if raw is not None:
                        break
                if proc.poll() is not None and not result_file.is_file():
                    break
                time.sleep(0.05)
            seconds = time.monotonic() - start
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    stdout = out_file.read_text(errors="replace")
    if raw is None:
        raise RuntimeError(f"evalplus failed ({proc.returncode}):\n{stdout[-6000:]}")
    gt = re.search(r"Expected outputs computed in ([\d.]+)s", stdout)
    results = raw["eval"]
    cursor: dict[str, int] = {}
    passed = []
    for task_id, _ in samples:  # evalplus keeps each task's samples in input order
        k = cursor.get(task_id, 0)
        cursor[task_id] = k + 1
        r = results[task_id][k]
        passed.append(r["base_status"] == "pass" and r["plus_status"] == "pass")
        if statuses is not None:
            statuses.append((str(r["base_status"]), str(r["plus_status"])))
    return passed, seconds, float(gt.group(1)) if gt else 0.0
