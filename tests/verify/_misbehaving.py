"""A test-only verifier whose answers tell it how to misbehave (sleep, crash, exhaust memory).

It lives in its own importable module because pool workers are spawned and must import it.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from passbound.types import Problem
from passbound.verify import GradeResult, extract_answer


@dataclass(frozen=True)
class MisbehavingVerifier:
    """``\\boxed{sleep:S}`` sleeps S seconds then passes (``spin:S``: S seconds of CPU time); ``segv``
    and ``oom`` crash; else equality.

    The detail of every result is the worker's pid, so tests can see who graded what.
    """

    name = "misbehaving"
    version = "test"

    def warm_up(self) -> None:
        pass

    def extract(self, completion: str, problem: Problem) -> str | None:
        return extract_answer(completion)

    def dedupe_key(self, problem: Problem, answer: str) -> tuple[str, str]:
        return (problem.target, answer)

    def quick_check(self, problem: Problem, answer: str) -> GradeResult | None:
        return None

    def item_timeout(self, problem: Problem) -> float | None:
        return None

    def check(self, problem: Problem, answer: str) -> GradeResult:
        target = problem.target
        if answer.startswith("sleep:"):
            time.sleep(float(answer.split(":")[1]))
            return GradeResult("pass", answer, str(os.getpid()))
        if answer.startswith("spin:"):  # S seconds of this process's CPU time
            end = time.process_time() + float(answer.split(":")[1])
            while time.process_time() < end:
                pass
            return GradeResult("pass", answer, str(os.getpid()))
        if answer == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if answer == "oom":
            blob = bytearray(8 * 1024**3)  # 8 GiB, above the pool's memory cap
            return GradeResult("pass", answer, str(len(blob)))
        return GradeResult("pass" if answer == target else "fail", answer, str(os.getpid()))


def nap(seconds: float, tag: str) -> tuple[str, int]:
    """A pool task (GradingPool.run_tasks): sleep, then say who ran it."""
    time.sleep(seconds)
    return tag, os.getpid()


def imported(module: str) -> bool:
    """A pool task: whether ``module`` was imported before any work (the fork server's preload)."""
    import sys

    return module in sys.modules


def hanging_scan(path: str, start: int, end: int, *args: object) -> object:
    """passbound grade's shard reader, except that extracting a row with HANG in it never ends."""
    from passbound._grade_scan import scan_shard

    extract = bool(args[2]) if len(args) > 2 else True
    with open(path, "rb") as fh:
        fh.seek(start)
        if extract and b"HANG" in fh.read(end - start):
            time.sleep(3600)
    return scan_shard(path, start, end, *args)  # type: ignore[arg-type]


def environ(name: str) -> str | None:
    """A pool task: the worker's value of an environment variable."""
    return os.environ.get(name)
