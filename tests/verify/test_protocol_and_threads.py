"""One verifier protocol for every kind, and grading from many threads at once."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from passbound import registry
from passbound.grade import grade_rows
from passbound.types import Problem
from passbound.verify import GradingPool, get_verifier
from passbound.verify.result import Verifier

sys.path.insert(0, str(Path(__file__).parent))
from _misbehaving import MisbehavingVerifier


@pytest.mark.parametrize("kind", sorted(registry.verifiers.names()))
def test_every_registered_verifier_speaks_the_protocol(kind: str) -> None:
    verifier = get_verifier(kind)
    assert isinstance(verifier, Verifier)
    assert isinstance(verifier.version, str) and verifier.version


def test_test_double_speaks_it_too() -> None:
    assert isinstance(MisbehavingVerifier(), Verifier)


def test_study_options_reach_the_verifier_and_its_version() -> None:
    from passbound.config import VerifySpec

    spec = VerifySpec.model_validate({"math": {"extraction": "lenient"}})
    assert spec.verifiers(["math"])["math"].version != get_verifier("math").version
    with pytest.raises(ValueError, match="extraction"):
        VerifySpec.model_validate({"math": {"extraction": "greedy"}})
    with pytest.raises(ValueError, match="no verifier named"):
        VerifySpec.model_validate({"maths": {}})


# Pathological inputs mixed with ordinary ones: a bigint tower math-verify cannot interrupt, a
# deeply nested expression, a megabyte of digits.
ROWS = [
    {"gold": "\\frac{1}{2}", "completion": "so \\boxed{0.5}"},
    {"gold": "42", "completion": "The answer is 41."},
    {"gold": "1000", "completion": "\\boxed{1 000}"},
    {"gold": "\\frac{1}{2004!}", "completion": "\\boxed{\\frac{1}{2006!}}"},
    {"gold": "2", "completion": "\\boxed{9^{9^{9^{9}}}}"},
    {"gold": "3", "completion": "\\boxed{" + "(" * 2000 + "3" + ")" * 2000 + "}"},
    {"gold": "7", "completion": "\\boxed{" + "7" * 100_000 + "}"},
    {"gold": "x+1", "completion": "no answer here"},
]


def test_eight_threads_get_the_verdicts_of_passbound_grade() -> None:
    timeout = 2.0
    expected = [r["status"] for r in grade_rows(ROWS, timeout=timeout, workers=2)]
    assert expected[:4] == ["pass", "fail", "pass", "fail"] and expected[-1] == "no_answer"
    problems = [Problem(f"row-{i}", "adhoc", "", r["gold"], "math") for i, r in enumerate(ROWS)]
    completions = [r["completion"] for r in ROWS]
    results: dict[int, list[str]] = {}
    durations: dict[int, float] = {}
    errors: list[BaseException] = []
    with GradingPool(timeout=timeout, workers=2) as pool:

        def call(t: int) -> None:
            try:
                started = time.monotonic()
                results[t] = [r.status for r in pool.grade(problems, completions)]
                durations[t] = time.monotonic() - started
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call, args=(t,)) for t in range(8)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        wall = time.monotonic() - started
    assert not errors and len(results) == 8
    assert all(statuses == expected for statuses in results.values())
    # Calls take turns on the workers; each one's slow items end at the hard timeout, so no
    # call waits for more than every call's slow items (at most 3 each) spread over 2 workers.
    bound = 8 * 3 * timeout / 2 + 60
    assert wall < bound and max(durations.values()) < bound
