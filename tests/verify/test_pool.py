"""GradingPool: input order, dedupe, hard timeouts, dying workers, pathological math."""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from passbound.types import Problem
from passbound.verify import GradingPool, grade_many
from passbound.verify.pool import Task

sys.path.insert(0, str(Path(__file__).parent))  # spawned workers import the helper by name too
from _misbehaving import MisbehavingVerifier, environ, imported, nap

SLACK = 3.0  # seconds on top of the timeout: the parent's wake-up, the kill and the join


def problem(target: str, pid: str = "p") -> Problem:
    return Problem(id=pid, benchmark="t", prompt="?", target=target)


@pytest.fixture(scope="module")
def math_pool() -> Iterator[GradingPool]:
    with GradingPool(timeout=3.0, workers=2) as pool:
        yield pool


@pytest.fixture(scope="module")
def rogue_pool() -> Iterator[GradingPool]:
    with GradingPool(timeout=2.0, workers=2, verifiers={"math": MisbehavingVerifier()}, memory_mb=1024) as pool:
        pool.grade([problem("warm")], ["\\boxed{warm}"])  # workers up before timing anything
        yield pool


def test_results_are_in_input_order(math_pool: GradingPool) -> None:
    cases = [
        ("\\frac{1}{2}", "so \\boxed{0.5}", "pass"),
        ("\\frac{1}{2}", "The answer is $\\dfrac{1}{2}$.", "pass"),
        ("\\frac{1}{2}", "\\boxed{\\frac{2}{4}}", "pass"),
        ("\\frac{1}{2}", "\\boxed{0.51}", "fail"),
        ("18", "The answer is 18.", "pass"),
        ("18", "The answer is 81.", "fail"),
        ("(3, \\frac{\\pi}{2})", "\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "pass"),
        ("x^2+2x+1", "\\boxed{(x+1)^2}", "pass"),
        ("\\text{Evelyn}", "\\boxed{\\text{Evelyn}}", "pass"),
        ("10", "no idea", "no_answer"),
    ] * 4
    random.Random(0).shuffle(cases)
    problems = [problem(t, str(i)) for i, (t, _, _) in enumerate(cases)]
    results = math_pool.grade(problems, [c for _, c, _ in cases])
    assert [r.status for r in results] == [s for _, _, s in cases]
    assert results[[c for _, c, _ in cases].index("\\boxed{0.51}")].extracted == "0.51"
    # 40 items, 9 distinct graded pairs minus the ones the exact-match fast path settled.
    assert math_pool.stats.unique_jobs == math_pool.stats.graded <= 9
    assert math_pool.stats.no_answer == 4


def test_identical_pairs_are_graded_once(rogue_pool: GradingPool) -> None:
    # 200 items but 4 distinct (target, answer) pairs, each sleeping 0.5 s: graded one by one on
    # 2 workers that is 50 s; graded once per pair it is about 1 s.
    items = [(f"t{i % 2}", f"so \\boxed{{sleep:0.{5 + (i // 2) % 2}}}") for i in range(200)]
    started = time.monotonic()
    results = rogue_pool.grade([problem(t) for t, _ in items], [c for _, c in items])
    elapsed = time.monotonic() - started
    assert all(r.status == "pass" for r in results)
    assert rogue_pool.stats.unique_jobs == 4 and rogue_pool.stats.graded == 4
    assert elapsed < 5.0, elapsed
    assert [r.extracted for r in results] == [c[10:-1] for _, c in items]


def test_hung_item_is_killed_and_the_pool_keeps_grading(rogue_pool: GradingPool) -> None:
    before = set(rogue_pool.worker_pids())
    targets = ["a", "hang", "b", "c", "d", "e"]
    answers = ["\\boxed{a}", "\\boxed{sleep:60}", "\\boxed{b}", "\\boxed{x}", "\\boxed{sleep:0.2}", "\\boxed{e}"]
    started = time.monotonic()
    results = rogue_pool.grade([problem(t) for t in targets], answers)
    elapsed = time.monotonic() - started
    assert [r.status for r in results] == ["pass", "timeout", "pass", "fail", "pass", "pass"]
    assert "timeout after 2s" in results[1].detail
    assert elapsed < rogue_pool.timeout + SLACK, elapsed
    assert rogue_pool.stats.timeouts == 1
    assert set(rogue_pool.worker_pids()) != before  # the hung worker was replaced
    again = rogue_pool.grade([problem("z"), problem("y")], ["\\boxed{z}", "\\boxed{q}"])
    assert [r.status for r in again] == ["pass", "fail"]


def test_crashing_workers_cost_only_their_item(rogue_pool: GradingPool) -> None:
    targets = ["a", "segv", "b", "oom", "c"]
    answers = ["\\boxed{a}", "\\boxed{segv}", "\\boxed{b}", "\\boxed{oom}", "\\boxed{c}"]
    results = rogue_pool.grade([problem(t) for t in targets], answers)
    assert [r.status for r in results] == ["pass", "error", "pass", "error", "pass"]
    assert "died" in results[1].detail and str(-signal.SIGSEGV) in results[1].detail
    assert results[3].detail.startswith("MemoryError")  # the memory cap turned a bomb into an error
    assert rogue_pool.stats.deaths == 1


def test_worker_killed_from_outside(rogue_pool: GradingPool) -> None:
    rogue_pool.grade([problem("w1"), problem("w2")], ["\\boxed{w1}", "\\boxed{w2}"])  # both workers ready
    victim = rogue_pool.worker_pids()[0]
    killer = threading.Timer(0.5, os.kill, args=(victim, signal.SIGKILL))
    killer.start()
    try:
        results = rogue_pool.grade([problem("s1"), problem("s2")], ["\\boxed{sleep:1.5}", "\\boxed{sleep:1.2}"])
    finally:
        killer.cancel()
    assert sorted(r.status for r in results) == ["error", "pass"]
    assert victim not in rogue_pool.worker_pids()
    after = rogue_pool.grade([problem("k")] * 3, ["\\boxed{k}", "\\boxed{j}", "none"])
    assert [r.status for r in after] == ["pass", "fail", "no_answer"]


def test_pathological_math_ends_within_the_bound(math_pool: GradingPool) -> None:
    filler = "Let us think step by step. " * 40_000  # ~1 MB
    cases = [
        ("5", "\\boxed{9^{9^{9^{9}}}}", {"timeout", "fail"}),  # bigint pow in C: only a kill stops it
        ("1", "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}", {"no_answer"}),  # past the depth cap
        ("42", filler + "\\boxed{42}", {"pass"}),
        ("42", "\\boxed{" + "1+" * 300_000 + "1}", {"no_answer"}),  # 600 kB expression: past the box cap
        ("42", "\\boxed{" + "1+" * 9_000 + "1}", {"timeout", "fail"}),  # 18 kB: within the cap, to the workers
        ("42", filler, {"no_answer"}),
        ("7", "so \\boxed{7}", {"pass"}),
        ("\\frac{3}{4}", "The answer is 0.75.", {"pass"}),
        ("\\sqrt{2}", "\\boxed{1.5}", {"fail"}),
    ]
    started = time.monotonic()
    results = math_pool.grade([problem(t, str(i)) for i, (t, _, _) in enumerate(cases)], [c for _, c, _ in cases])
    elapsed = time.monotonic() - started
    for (_, completion, allowed), result in zip(cases, results):
        assert result.status in allowed, (completion[:40], result)
    # Three hard cases on two workers: two rounds of the timeout plus a respawn (each worker imports
    # sympy). Without the hard kill, 9^{9^{9^9}} alone would run for hours.
    assert elapsed < 3 * (math_pool.timeout + SLACK), elapsed
    after = math_pool.grade([problem("2")] * 2, ["\\boxed{1+1}", "\\boxed{3}"])
    assert [r.status for r in after] == ["pass", "fail"]


def test_grade_many_reports_progress() -> None:
    seen: list[int] = []
    problems = [problem(str(i % 5)) for i in range(30)]
    completions = [f"The answer is {i % 5 if i % 3 else i % 5 + 1}." for i in range(30)]
    completions[0] = "nothing to see"
    results = grade_many(problems, completions, timeout=5.0, workers=1, on_progress=seen.append)
    assert sum(seen) == 30
    assert results[0].status == "no_answer"
    assert [r.status for r in results[1:]] == ["pass" if i % 3 else "fail" for i in range(1, 30)]


def test_mismatched_lengths_are_rejected(math_pool: GradingPool) -> None:
    with pytest.raises(ValueError, match="2 problems but 1 completions"):
        math_pool.grade([problem("1"), problem("2")], ["\\boxed{1}"])


def test_an_interrupted_batch_does_not_leak_into_the_next(rogue_pool: GradingPool) -> None:
    def fail(_: int) -> None:
        raise RuntimeError("progress bar crashed")

    with pytest.raises(RuntimeError, match="progress bar crashed"):
        rogue_pool.grade([problem(f"i{k}") for k in range(6)], ["\\boxed{sleep:0.3}"] * 6, on_progress=fail)
    results = rogue_pool.grade([problem("n1"), problem("n2")], ["\\boxed{n1}", "\\boxed{zz}"])
    assert [r.status for r in results] == ["pass", "fail"]


def test_slow_items_spread_over_every_worker() -> None:
    # Items of unknown cost go out one at a time, and slow ones stay single: four 0.4 s items
    # ahead of quick ones are graded two per worker (in one chunk of four, by one worker, they
    # would take twice as long while the other worker idles).
    with GradingPool(timeout=10.0, workers=2, verifiers={"math": MisbehavingVerifier()}) as pool:
        pool.start(kinds=("math",))
        answers = [f"\\boxed{{sleep:0.4{k}}}" for k in range(4)] + [f"\\boxed{{q{k}}}" for k in range(12)]
        results = pool.grade([problem(f"q{k}") for k in range(16)], answers)
    assert len({r.detail for r in results[:4]}) == 2, [r.detail for r in results[:4]]


def test_tasks_run_in_workers_in_order_and_a_hung_one_is_killed(rogue_pool: GradingPool) -> None:
    started = time.monotonic()
    out = rogue_pool.run_tasks(Task(nap), [(0.0, "a"), (60.0, "b"), (0.1, "c"), (0.0, "d")])
    elapsed = time.monotonic() - started
    assert [status for status, _ in out] == ["ok", "timeout", "ok", "ok"]
    assert [out[i][1][0] for i in (0, 2, 3)] == ["a", "c", "d"]
    assert all(out[i][1][1] != os.getpid() for i in (0, 2, 3))  # run by workers
    assert "timeout after 2s" in out[1][1]
    assert elapsed < rogue_pool.timeout + SLACK, elapsed


def test_grade_extracted_gives_the_verdicts_of_grade(math_pool: GradingPool) -> None:
    golds = ["\\frac{1}{2}", "18", "18", "x^2+2x+1", "7"]
    completions = ["so \\boxed{0.5}", "The answer is 18.", "\\boxed{81}", "\\boxed{(x+1)^2}", "no idea"]
    problems = [problem(g, str(i)) for i, g in enumerate(golds)]
    verifier = math_pool.verifier("math")
    answers = [verifier.extract(c, p) for p, c in zip(problems, completions)]
    assert math_pool.grade_extracted(problems, answers) == math_pool.grade(problems, completions)
    assert [r.status for r in math_pool.grade(problems, completions)] == ["pass", "pass", "fail", "pass", "no_answer"]


def test_math_workers_fork_with_math_verify_imported(math_pool: GradingPool) -> None:
    # The fork server imported (and warmed) math-verify once; a worker never imports it itself,
    # not even one that replaces a killed worker.
    math_pool.start()
    assert math_pool.run_tasks(Task(imported), [("math_verify",), ("sympy",)]) == [("ok", True), ("ok", True)]


def test_workers_see_the_callers_environment_of_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers fork from a server started earlier (by another pool): they must still see the
    # environment the caller has when it starts them, as spawned workers did.
    with GradingPool(timeout=5.0, workers=1) as pool:
        pool.start()
    monkeypatch.setenv("PASSBOUND_POOL_PROBE", "now")
    with GradingPool(timeout=5.0, workers=1) as pool:
        assert pool.run_tasks(Task(environ), [("PASSBOUND_POOL_PROBE",)]) == [("ok", "now")]
