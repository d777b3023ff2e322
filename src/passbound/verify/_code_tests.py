"""A code problem's tests: inputs, per-test limits, budget, labels and expected outputs.

What ``passbound.verify.code`` runs a program with and judges its records against, built once per
problem (an evalplus problem's encoded tests are up to ~18k values) and kept per worker. The
expected outputs of an evalplus problem come from running its reference solution once in the
sandbox (``reference_spec``, run by the verifier) and are kept in memory and a disk cache
(``reference_outputs``); they never enter the sandbox.

Limits follow evalplus 0.3.1: per test ``max(min_time_limit, gt_time_limit_factor * t_ref)``, a
set's budget ``min(per_set_timeout, sum of limits) + 1``; LiveCodeBench: ``lcb_timeout`` per
test; plain HumanEval: ``check_timeout`` for check(). The sandbox's wall-clock deadline for a run
is ``wall_factor`` times the tests' budget plus start-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.types import Problem
from passbound.verify._code_compare import MBPP_OUTPUT_NOT_NONE_TASKS, MBPP_OUTPUT_SET_EQ_TASKS
from passbound.verify._code_records import Digest
from passbound.verify._harness.codec import decode, encode

SEMANTICS_VERSION = "code-6"  # code-2: an evalplus timeout is confirmed by a second run; code-3: digests for all
# plain outputs (not after a float-valued one in a set), strings hashed as bytes; code-4: test 0 is timed from
# the sending of the inputs (work before "ready" counts; reference times re-measured); code-5: every program
# starts from the same sandbox state (nothing of an earlier one; a timeout confirmed in a fresh sandbox), tests
# timed in CPU time (reference re-measured), judging errors are fails, outputs bounded by the expected's size,
# HumanEval check() sees the reference, quit()/exit() end stdin programs, numpy importable; code-6: the reasoning
# policy of math-6 (configurable tags; an opener in any case or spacing after the last close re-opens reasoning)
STARTUP_S = 3.0  # interpreter start, harness set-up and result encoding, on a loaded box
_MEMORY_CACHE = 512  # problems whose reference outputs a worker keeps in memory
_TESTS_CACHE = 64  # evalplus problems whose tests a worker keeps (the largest are a few MB)
# Expected outputs longer than this (bytes, canonical text) travel as digests, where evalplus
# compares exactly: every output, so that no program's output is encoded, sent, decoded and
# compared value by value (a digest is as strong as the value: equal digests mean == values).
DIGEST_OVER = 0
# Entry points whose outputs evalplus judges by a special oracle, never by plain ==.
_SPECIAL = (
    MBPP_OUTPUT_NOT_NONE_TASKS
    | MBPP_OUTPUT_SET_EQ_TASKS
    | {"are_equivalent", "sum_div", "surface_Area", "digit_distance_nums", "find_zero"}
)
# A test record's longest text: a digest's record, and a value's (its expected output's encoded
# size times a margin for other spellings of an equal value: float digits, tuples, escapes).
_DIGEST_RECORD = 512


class ReferenceError_(Exception):
    """The reference solution itself failed (bad data or a broken sandbox)."""


@dataclass
class ProblemTests:
    """What one sandbox run of a program does, and what its records are judged with."""

    mode: str
    tests: list[Any]  # encoded argument lists (function modes) or stdin texts
    limits: list[float]
    budget: float
    labels: list[str]  # "base 3", "plus 17", "test 2" ... for details
    entry_point: str = ""
    extra: dict[str, Any] | None = None
    tests_json: str | None = None  # json.dumps(tests), made once per problem
    bounds: list[int | None] | None = None  # each test record's longest text (None: unbounded)
    digests: frozenset[int] = frozenset()  # tests whose expected output is a digest


@dataclass(frozen=True)
class EvalplusTests:
    """An evalplus problem's tests with their expected outputs and inputs (kept per problem)."""

    raw: tuple[Any, Any, Any]  # the problem's own inputs and atol, to check a cache hit
    tests: ProblemTests
    expected: list[Any]
    inputs: list[Any]
    n_base: int


@dataclass(frozen=True)
class Limits:
    """The verifier's settings that a problem's tests are built with."""

    min_time_limit: float
    gt_time_limit_factor: float
    per_set_timeout: float
    lcb_timeout: float
    check_timeout: float
    wall_factor: float


_EVALPLUS_TESTS: OrderedDict[tuple[Any, ...], EvalplusTests] = OrderedDict()
_REFERENCES: OrderedDict[str, dict[str, list[Any]]] = OrderedDict()


def evalplus_tests(
    limits: Limits, problem: Problem, reference: Callable[[Problem], dict[str, list[Any]]]
) -> EvalplusTests:
    """What every program of an evalplus problem is run and judged with, made once per problem
    in this process from its reference outputs and times (``reference(problem)``)."""
    meta = problem.metadata
    key = (limits, problem.benchmark, problem.id, problem.target, meta.get("dataset"), meta.get("entry_point"))
    ready = _EVALPLUS_TESTS.get(key)
    # Same key, same inputs (a deep comparison, far cheaper than re-encoding): a problem
    # edited under the same id never reuses another's tests.
    if ready is not None and ready.raw == (meta.get("base_input"), meta.get("plus_input"), meta.get("atol")):
        _EVALPLUS_TESTS.move_to_end(key)
        return ready
    ref = reference(problem)
    base, plus = evalplus_inputs(problem)
    per = [max(limits.min_time_limit, limits.gt_time_limit_factor * t) for t in ref["base_time"] + ref["plus_time"]]
    nb = len(base)
    budget = min(limits.per_set_timeout, sum(per[:nb])) + min(limits.per_set_timeout, sum(per[nb:])) + 2
    encoded = [encode(a) for a in base + plus]
    tests = ProblemTests("function", encoded, per, limits.wall_factor * budget + STARTUP_S,
                         [f"base test {i}" for i in range(nb)] + [f"plus test {i}" for i in range(len(plus))],
                         meta["entry_point"], tests_json=json.dumps(encoded))  # fmt: skip
    expected = ref["base"] + ref["plus"]
    tests.extra = {"digest": [i for i, e in enumerate(expected) if isinstance(e, Digest)], "tests_budget": budget}
    tests.digests = frozenset(tests.extra["digest"])
    tests.bounds = [_DIGEST_RECORD if isinstance(e, Digest) else _bound(len(json.dumps(encode(e))))
                    for e in expected]  # fmt: skip
    ready = EvalplusTests((meta.get("base_input"), meta.get("plus_input"), meta.get("atol")), tests, expected,
                          base + plus, nb)  # fmt: skip
    _EVALPLUS_TESTS[key] = ready
    while len(_EVALPLUS_TESTS) > _TESTS_CACHE:
        _EVALPLUS_TESTS.popitem(last=False)
    return ready


def lcb_tests(limits: Limits, problem: Problem) -> tuple[ProblemTests, list[Any] | None]:
    """A LiveCodeBench problem's tests, and its decoded expected outputs when call-based (None:
    stdin programs, compared as text). Raises ValueError when the call-based data is not JSON."""
    tests = problem.metadata["tests"]
    n = len(tests)
    functional = bool(problem.metadata.get("fn_name")) and all(t.get("testtype") == "functional" for t in tests)
    per = [float(limits.lcb_timeout)] * n
    labels = [f"test {i}" for i in range(n)]
    tests_budget = n * (limits.lcb_timeout + 0.5)
    budget = limits.wall_factor * tests_budget + STARTUP_S
    bounds: list[int | None] = [_bound(len(t["output"])) for t in tests]
    if functional:
        args = [[json.loads(line) for line in t["input"].split("\n") if line.strip()] for t in tests]
        expected = [json.loads(t["output"]) for t in tests]
        return ProblemTests("lcb_call", [encode(a) for a in args], per, budget, labels, problem.metadata["fn_name"],
                            {"tests_budget": tests_budget}, bounds=bounds), expected  # fmt: skip
    return ProblemTests("stdio", [t["input"] for t in tests], per, budget, labels, extra={"tests_budget": tests_budget},
                        bounds=bounds), None  # fmt: skip


def check_tests(limits: Limits, problem: Problem) -> ProblemTests:
    """Plain HumanEval: one run of its check().

    check() runs on the prompt and the reference solution: a name it calls besides its
    ``candidate`` argument (HumanEval/33 compares with ``sort_third`` itself) is the reference's,
    never the prompt's stub nor anything the candidate defines."""
    meta = problem.metadata
    return ProblemTests(
        "check",
        [None],
        [limits.check_timeout],
        limits.wall_factor * limits.check_timeout + STARTUP_S,
        ["check()"],
        meta["entry_point"],
        {"prompt": problem.target or meta.get("prompt") or problem.prompt, "test": meta["test"]},
    )


# -- reference outputs (evalplus) ------------------------------------------------------------


def default_cache_dir() -> Path:
    """$PASSBOUND_CACHE/code-reference, else ~/.cache/passbound/code-reference."""
    root = os.environ.get("PASSBOUND_CACHE") or Path.home() / ".cache" / "passbound"
    return Path(root) / "code-reference"


def reference_spec(problem: Problem, per_test: float) -> dict[str, Any]:
    """The harness spec that runs an evalplus problem's reference solution on all its tests,
    recording outputs (digests where evalplus compares exactly) and CPU times."""
    base, plus = evalplus_inputs(problem)
    tests = base + plus
    meta = problem.metadata
    plain = not meta.get("atol") and meta["entry_point"] not in _SPECIAL
    return {
        "mode": "function",
        "tests": [encode(a) for a in tests],
        "limits": [per_test] * len(tests),
        "entry_point": meta["entry_point"],
        "load_limit": per_test,
        "digest_over": DIGEST_OVER if plain else None,
        "set_starts": [0, len(base)],
        "cpu_times": True,
    }


def reference_outputs(
    problem: Problem, cache_dir: str | None, compute: Callable[[Problem], dict[str, list[Any]]]
) -> dict[str, list[Any]]:
    """Expected outputs and reference times of an evalplus problem: from memory, the disk cache
    under ``cache_dir`` ("" = none, None = the default), or ``compute(problem)`` (then cached)."""
    key = _reference_key(problem)
    cached = _REFERENCES.get(key)
    if cached is not None:
        _REFERENCES.move_to_end(key)
        return cached
    path = (
        None if cache_dir == "" else (Path(cache_dir) if cache_dir else default_cache_dir()) / key[:2] / f"{key}.json"
    )
    ref = None
    if path is not None and path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            ref = {k: ([_expected(v) for v in raw[k]] if k in ("base", "plus") else raw[k]) for k in raw}
        except (OSError, ValueError, KeyError, TypeError):
            ref = None
    if ref is None:
        raw = compute(problem)
        ref = {k: ([_expected(v) for v in raw[k]] if k in ("base", "plus") else raw[k]) for k in raw}
        if path is not None:
            _atomic_write(path, json.dumps(raw))
    if problem.metadata["entry_point"] in MBPP_OUTPUT_NOT_NONE_TASKS and problem.metadata["dataset"] == "mbpp":
        ref["base"] = [o is not None for o in ref["base"]]
        ref["plus"] = [o is not None for o in ref["plus"]]
    _REFERENCES[key] = ref
    while len(_REFERENCES) > _MEMORY_CACHE:
        _REFERENCES.popitem(last=False)
    return ref


def evalplus_inputs(problem: Problem) -> tuple[list[Any], list[Any]]:
    """Base and plus argument lists as the functions expect them (MBPP+ tuples, sets ...)."""
    meta = problem.metadata
    base, plus = list(meta.get("base_input") or []), list(meta.get("plus_input") or [])
    if meta.get("dataset") == "mbpp":
        from passbound.benchmarks.code_evalplus import decode_mbpp_inputs

        base, plus = decode_mbpp_inputs(problem.id, base), decode_mbpp_inputs(problem.id, plus)
    return [list(a) for a in base], [list(a) for a in plus]


def _expected(payload: dict[str, Any]) -> Any:
    return Digest(payload["h"]) if "h" in payload else decode(payload["o"])


def _bound(expected_chars: int) -> int:
    return 16 * expected_chars + 4096


def _reference_key(problem: Problem) -> str:
    meta = problem.metadata
    payload = [SEMANTICS_VERSION, sys.version, meta.get("dataset"), problem.id, meta.get("entry_point"),
               problem.target, meta.get("base_input"), meta.get("plus_input")]  # fmt: skip
    return hashlib.sha256(json.dumps(payload, default=repr).encode()).hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only cache only costs recomputation
