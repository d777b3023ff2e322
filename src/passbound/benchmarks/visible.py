"""Problems graded only on tests their prompt shows ("visible-only").

A problem whose every test is a worked example printed in its statement (LiveCodeBench's public
tests are exactly those) is passed by a program that looks the examples up instead of solving
the task. Its pass rate is an upper bound on the real one, and as an RL reward it pays for
memorising the examples. So a problem is marked, from its own data, when every test's input and
output appear in its prompt, and the marking travels with it: the code verdict's detail, the
``visible_tests`` table and the report say so, and the rewards refuse it unless opted in.

The comparison drops all whitespace (LeetCode prints ``nums = [1,2,3]`` where the test holds
``[1, 2, 3]``) and looks a functional test's arguments (one JSON value per line) up one by one.
Loose matching only ever marks too many problems, which costs a warning, never a false pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from passbound.types import Problem

KEY = "visible_tests_only"  # problem metadata: True when every test is shown in the prompt
NOTE = "graded only on tests shown in the prompt; pass rate is an upper bound"


def _squeeze(text: str) -> str:
    return "".join(text.split())


def every_test_shown(prompt: str, tests: Sequence[Mapping[str, Any]]) -> bool:
    """True when every test's input and output appear in ``prompt`` (whitespace ignored).

    Stops at the first test that is not shown, so a problem with large hidden tests costs
    little more than its public ones. No tests: False (nothing is graded on what is shown).
    """
    if not tests:
        return False
    shown = _squeeze(prompt)
    for test in tests:
        given = str(test.get("input", ""))
        parts = given.split("\n") if test.get("testtype") == "functional" else [given]
        for part in [*parts, str(test.get("output", ""))]:
            if _squeeze(part) not in shown:
                return False
    return True


def visible_tests_only(problem: Problem) -> bool:
    """Whether ``problem`` is graded only on tests its prompt shows.

    The loader's marking (metadata ``visible_tests_only``) when present; otherwise (a run
    directory written before the marking existed) computed from the problem's ``tests``.
    """
    meta = problem.metadata
    if KEY in meta:
        return bool(meta[KEY])
    tests = meta.get("tests")
    return isinstance(tests, list) and every_test_shown(problem.prompt, tests)


__all__ = ["KEY", "NOTE", "every_test_shown", "visible_tests_only"]
