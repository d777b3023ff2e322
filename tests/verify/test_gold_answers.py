"""Every gold answer of the six math benchmarks, written the way a model writes it, passes;
a wrong answer fails; nothing times out. Graded through the pool with the fast path OFF, so
math-verify itself is what accepts each gold answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import GradeResult, GradingPool, MathVerifier

BENCHMARKS = ("gsm8k", "math500", "aime24", "amc23", "minerva_math", "olympiadbench")
TIMEOUT = 10.0
# math-verify's own alarm: telling two wrong linear ODEs apart (minerva_math 89) takes sympy
# ~2.5 s alone, so the default 5 s could fire on a loaded 2-core machine.
INNER_TIMEOUT = 8

# (benchmark, problem id) -> why math-verify cannot accept the gold answer as written.
# Empty: every gold answer verifies against itself in both phrasings.
KNOWN_GOLD_FAILURES: dict[tuple[str, str], str] = {}
# (benchmark, problem id) -> why the perturbed answer is still mathematically right (or graded so).
KNOWN_WRONG_PASSES: dict[tuple[str, str], str] = {}

_FIRST_DIGIT = re.compile(r"\d")


def wrong_answer(problem: Problem, others: list[Problem]) -> str:
    """A different value: bump the first digit (0.5 -> 1.5, 2^{1009} -> 3^{1009}); for answers
    without digits ("\\text{Evelyn}"), the gold of another problem that has one."""
    match = _FIRST_DIGIT.search(problem.target)
    if match:
        digit = str((int(match.group()) + 1) % 10)
        return problem.target[: match.start()] + digit + problem.target[match.end() :]
    return next(o.target for o in others if _FIRST_DIGIT.search(o.target) and o.target != problem.target)


def model_items(problems: list[Problem]) -> tuple[list[Problem], list[str], list[str]]:
    """Three completions per problem: boxed gold, phrased gold, boxed wrong answer."""
    items, completions, expected = [], [], []
    for p in problems:
        items += [p, p, p]
        completions += [
            f"Putting everything together, so the answer is \\boxed{{{p.target}}}.",
            f"We check the cases once more. The answer is {p.target}.",
            f"I believe that the result is \\boxed{{{wrong_answer(p, problems)}}}.",
        ]
        expected += ["pass", "pass", "fail"]
    return items, completions, expected


@pytest.fixture(scope="module")
def problems(shared_data: Path) -> dict[str, list[Problem]]:
    return {name: list(load_benchmark(name, data_dir=shared_data).problems) for name in BENCHMARKS}


@pytest.fixture(scope="module")
def pool() -> Iterator[GradingPool]:
    with GradingPool(
        timeout=TIMEOUT, verifiers={"math": MathVerifier(fast_path=False, timeout_s=INNER_TIMEOUT)}
    ) as pool:
        yield pool


def check(pool: GradingPool, problems: list[Problem]) -> None:
    items, completions, expected = model_items(problems)
    results: list[GradeResult] = pool.grade(items, completions)
    assert pool.stats.timeouts == 0 and pool.stats.deaths == 0
    unexpected = []
    for p, completion, want, got in zip(items, completions, expected, results):
        key = (p.benchmark, p.id)
        allowed = {want}
        if want == "pass" and key in KNOWN_GOLD_FAILURES:
            allowed.add("fail")
        if want == "fail" and key in KNOWN_WRONG_PASSES:
            allowed.add("pass")
        if got.status not in allowed:
            unexpected.append((key, p.target, completion[-60:], got))
    assert not unexpected, f"{len(unexpected)} unexpected verdicts, e.g. {unexpected[:10]}"


def test_every_gold_answer(pool: GradingPool, problems: dict[str, list[Problem]]) -> None:
    """~2836 problems x 3 completions; about 35 s on 2 cores (so not marked slow)."""
    everything = [p for name in BENCHMARKS for p in problems[name]]
    assert len(everything) == 1319 + 500 + 30 + 40 + 272 + 675
    check(pool, everything)


def test_every_reference_solution(pool: GradingPool, problems: dict[str, list[Problem]]) -> None:
    """Each benchmark's own worked solution, graded as a completion, passes (772 rows; the answer
    checks of math-5 must not fail a box such as ``15\\frac{39}{40}, \\frac{639}{40}``)."""
    items = [p for name in ("math500", "minerva_math") for p in problems[name]]
    results = pool.grade(items, [p.metadata["solution"] for p in items])
    failed = [(p.benchmark, p.id, p.target, r) for p, r in zip(items, results) if r.status != "pass"]
    assert len(items) == 500 + 272 and not failed, failed[:10]


def test_listed_exceptions_are_real(problems: dict[str, list[Problem]]) -> None:
    """Every listed exception names a real problem (stale entries would hide regressions)."""
    ids = {(p.benchmark, p.id) for ps in problems.values() for p in ps}
    assert set(KNOWN_GOLD_FAILURES) <= ids and set(KNOWN_WRONG_PASSES) <= ids
    assert set(KNOWN_REFERENCE_FAILURES) <= ids


# (benchmark, problem id) -> why its reference solution, read as a completion, does not pass.
KNOWN_REFERENCE_FAILURES: dict[tuple[str, str], str] = {
    ("aime24", "75"): "boxes \\textbf{(073)}, an AMC-style label math-verify reads as no number (comparison, "
    "not extraction; the same on math-4)",
}


def reference_solution(problem: Problem) -> str:
    """The benchmark's own worked solution, as a completion (GSM8K's with its "#### n" line)."""
    solution = (problem.metadata or {}).get("solution") or ""
    solution = "\n".join(solution) if isinstance(solution, list) else str(solution)
    return solution + (f"\n#### {problem.metadata['answer_raw']}" if problem.benchmark == "gsm8k" else "")


def test_every_reference_solution_passes(pool: GradingPool, problems: dict[str, list[Problem]]) -> None:
    """Each worked solution (MATH500, Minerva, AIME24, GSM8K), read as a completion with its question,
    passes: alternative solutions after the first ("OR ..."), lists that say "or" after the box, a
    value boxed twice in two spellings (025, 25) are not hedges."""
    items = [p for name in ("math500", "minerva_math", "aime24", "gsm8k") for p in problems[name]]
    completions = [reference_solution(p) for p in items]
    assert all(completions) and len(items) == 500 + 272 + 30 + 1319
    results = pool.grade(items, completions)
    failed = [
        (p.benchmark, p.id, p.target, r)
        for p, r in zip(items, results)
        if r.status != "pass" and (p.benchmark, p.id) not in KNOWN_REFERENCE_FAILURES
    ]
    assert not failed, f"{len(failed)} reference solutions do not pass, e.g. {failed[:5]}"
