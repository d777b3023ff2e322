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

    def answer_key(self, answer: str) -> str:
        return answer

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
