"""verl's reward hook: ``custom_reward_function.path`` = this file, ``name`` = ``compute_score``.

verl calls ``compute_score(data_source, solution_str, ground_truth, extra_info)`` from worker
threads (where signal-based timeouts fail) and accepts a float or a dict with "score". Grading
runs in one persistent passbound GradingPool per process (hard timeouts by process kill, any
thread may call), with the verifier named by ``extra_info["kind"]`` (default "math"; the parquet
that `passbound verl export` writes sets it). The dict carries the verdict too: ``status``
(pass, fail, no_answer, timeout, error) and ``passed`` (1.0/0.0, for verl's metric averages).
A problem graded only on tests its prompt shows raises VisibleTestsRefused unless its row's
``extra_info["allow_visible_tests"]`` is true (`passbound verl export --allow-visible-tests`).
A grader that cannot grade (GradingPoolError) raises too: a score of 0 is a judged answer only.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any, cast

_REWARDS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _reward(kind: str, data_dir: str | None = None, allow_visible_tests: bool = False) -> Any:
    from passbound.train.rewards import VerifierReward

    key = f"{kind}@{data_dir}@{allow_visible_tests}"
    with _LOCK:
        if key not in _REWARDS:
            if not _REWARDS:
                atexit.register(_close_all)
            _REWARDS[key] = VerifierReward(kind, data_dir=data_dir, allow_visible_tests=allow_visible_tests)
        return _REWARDS[key]


def _close_all() -> None:
    with _LOCK:
        for reward in _REWARDS.values():
            reward.close()
        _REWARDS.clear()


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict[str, Any] | None = None, **_: Any
) -> dict[str, Any]:
    """1.0 when passbound's verifier passes ``solution_str`` against ``ground_truth``, else 0.0."""
    from passbound.types import Problem, ProblemKind

    extra = extra_info or {}
    kind = str(extra.get("kind") or "math")
    # No catch here: a grader that cannot grade (GradingPoolError: workers cannot start), an
    # unknown problem or a refused one raises into verl's step. A 0 returned for it would train on
    # no signal unnoticed; a score of 0 means the verifier judged the answer (fail, no_answer, or
    # the candidate's own timeout/error).
    reward = _reward(
        kind, str(extra["data_dir"]) if extra.get("data_dir") else None, extra.get("allow_visible_tests") is True
    )
    if kind != "math" and extra.get("benchmark") is not None and extra.get("problem_id") is not None:
        # code tests and multiple-choice options come from the benchmark, not the parquet
        split = extra.get("split")
        problem = reward._lookup(str(extra["benchmark"]), str(extra["problem_id"]), str(split) if split else None)
    else:
        problem = Problem(
            id=str(extra.get("problem_id", "verl")),
            benchmark=str(data_source),
            prompt="",
            target=str(ground_truth),
            kind=cast(ProblemKind, kind),
        )  # any registered verifier kind
    status = reward._grading_pool().grade([problem], [solution_str or ""])[0].status
    passed = status == "pass"
    return {"score": 1.0 if passed else 0.0, "passed": 1.0 if passed else 0.0, "status": status}
