"""Rewards called from the scripts a new user writes, run as real interpreters: a script without
an ``if __name__ == "__main__":`` guard, the same script on standard input, 8 threads at once;
and a pool whose workers cannot start raises in TRL's and verl's paths instead of scoring 0.

multiprocessing's spawn and forkserver re-import the caller's ``__main__`` in every worker: a
script without a guard ran its top level once per worker start, and ``python - < script`` failed
("<stdin>" is no file). Each script prints a marker at top level; it must appear exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import passbound

SRC = str(Path(passbound.__file__).resolve().parents[1])
MARKER = "TOP-LEVEL-RAN"

# Answers the parent's fast path cannot settle (different normal forms), so math-verify runs in a
# worker; the script checks that the workers graded them (stats.graded) and prints the rewards.
REWARD_SCRIPT = f"""
import threading
print("{MARKER}", flush=True)
from passbound.train import VerifierReward

GOLD = ["\\\\frac{{\\\\sqrt{{3}}}}{{2}}", "2\\\\sqrt{{2}}", "2", "\\\\sqrt{{2}}"]
TEXT = ["\\\\boxed{{\\\\sqrt{{3}}/2}}", "\\\\boxed{{\\\\sqrt{{8}}}}", "\\\\boxed{{\\\\sqrt{{4}}}}", "\\\\boxed{{1.5}}"]
reward = VerifierReward("math", timeout=10.0, workers=2)
THREADS = int(__import__("os").environ.get("N_THREADS", "0"))
if THREADS:
    out = [None] * THREADS
    def call(t):
        out[t] = reward(prompts=["q"] * 4, completions=TEXT, answer=GOLD)
    threads = [threading.Thread(target=call, args=(t,)) for t in range(THREADS)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("REWARDS", sorted(set(map(tuple, out))), len([o for o in out if o is not None]))
else:
    print("REWARDS", reward(prompts=["q"] * 4, completions=TEXT, answer=GOLD))
    print("GRADED", reward._pool.stats.graded)
reward.close()
"""

# A real failure of the worker interpreter: multiprocessing runs its fork server (from which every
# grading worker forks) with this executable; /bin/false exits at once, so no worker can start.
BROKEN_SCRIPT = f"""
import multiprocessing, sys
multiprocessing.set_executable(sys.argv[1])
print("{MARKER}", flush=True)
from passbound.train import VerifierReward
from passbound.train.verl_reward import compute_score
for name, call in [
    ("VERL", lambda: compute_score("x", "\\\\boxed{{\\\\sqrt{{8}}}}", "2\\\\sqrt{{2}}", {{"kind": "math"}})),
    ("TRL", lambda: VerifierReward("math", workers=1)(prompts=["q"], completions=["\\\\boxed{{\\\\sqrt{{4}}}}"], answer=["2"])),
]:
    try:
        print(name, "RETURNED", call())
    except Exception as exc:
        print(name, "RAISED", type(exc).__name__, exc)
"""


def _run(args: list[str], tmp_path: Path, stdin: str | None = None, **env: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": SRC, **env},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "train_no_guard.py"  # no `if __name__ == "__main__":` anywhere
    path.write_text(text)
    return path


def test_script_without_main_guard_gets_rewards_and_runs_once(tmp_path: Path) -> None:
    out = _run([str(_script(tmp_path, REWARD_SCRIPT))], tmp_path)
    assert out.count(MARKER) == 1, out
    assert "REWARDS [1.0, 1.0, 1.0, 0.0]" in out and "GRADED 4" in out, out


def test_script_on_standard_input_gets_rewards_and_runs_once(tmp_path: Path) -> None:
    out = _run(["-"], tmp_path, stdin=REWARD_SCRIPT)
    assert out.count(MARKER) == 1, out
    assert "REWARDS [1.0, 1.0, 1.0, 0.0]" in out and "GRADED 4" in out, out


def test_module_run_with_dash_m_gets_rewards_and_runs_once(tmp_path: Path) -> None:
    # `python -m mod`: spawn and forkserver re-import it by name (as __mp_main__) in each worker.
    _script(tmp_path, REWARD_SCRIPT)
    out = _run(["-m", "train_no_guard"], tmp_path)
    assert out.count(MARKER) == 1, out
    assert "REWARDS [1.0, 1.0, 1.0, 0.0]" in out and "GRADED 4" in out, out


def test_eight_threads_of_a_script_without_main_guard(tmp_path: Path) -> None:
    out = _run([str(_script(tmp_path, REWARD_SCRIPT))], tmp_path, N_THREADS="8")
    assert out.count(MARKER) == 1, out
    assert "REWARDS [(1.0, 1.0, 1.0, 0.0)] 8" in out, out


@pytest.mark.parametrize("python", ["/bin/false", "/nonexistent/python"])
def test_workers_that_cannot_start_raise_in_trl_and_verl(tmp_path: Path, python: str) -> None:
    out = _run([str(_script(tmp_path, BROKEN_SCRIPT)), python], tmp_path)
    assert out.count(MARKER) == 1, out
    assert "RETURNED" not in out, out  # no score of 0 (or anything else) for an ungraded answer
    for path in ("VERL", "TRL"):
        assert f"{path} RAISED GradingPoolError grading workers cannot start" in out, out
        assert python in out.split(f"{path} RAISED")[1].splitlines()[0], out  # names the cause


def test_a_task_defined_in_main_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    # Workers never import __main__, so a function defined there cannot reach them: say so.
    script = (
        "from passbound.verify import GradingPool, GradingPoolError\n"
        "from passbound.verify.pool import Task\n"
        "def double(x):\n    return 2 * x\n"
        "try:\n    GradingPool(workers=1).run_tasks(Task(double), [(1,)])\n"
        "except GradingPoolError as exc:\n    print('RAISED', exc)\n"
    )
    out = _run(["-"], tmp_path, stdin=script)
    assert "RAISED double is defined in __main__" in out, out
