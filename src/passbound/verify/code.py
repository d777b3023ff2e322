"""Code verification: evalplus / LiveCodeBench test semantics on passbound's sandbox.

Design (why a program that cheats never passes):

* **The sandbox only produces data; the grader judges.** A small harness (``_harness``)
  runs in the sandbox (``passbound.sandbox``: no network, a root without benchmark files or
  site-packages, rlimits, seccomp, a clean environment) and forks the candidate's process
  *before* it reads its spec: the candidate never holds the nonce, the harness's private copy of
  stdout or the spec file. The harness sends each test input to the candidate over a pipe, times
  the reply by its own clock (the candidate's result is serialised inside the timed span), kills
  it at the limit, and writes each result as a record ``<nonce> {json}``. The *comparison* with
  the expected output happens here, in the trusted grader process, on values decoded (with
  bounds on size, depth and hash collisions) from a wire format that carries only plain builtin
  types; an object with a rigged ``__eq__`` arrives as an opaque marker that equals nothing.
* **Plain HumanEval's check() runs in the harness**, with the candidate behind a proxy that
  sends the arguments to the candidate's process and decodes its answers: patching builtins,
  ``json`` or the harness reaches only the candidate's own process.
* **Expected outputs never enter the sandbox.** They are computed once per problem by running
  the reference solution (in the sandbox too) and kept in the grader (memory + a disk cache).
  To fake a pass a program would have to print correct outputs, i.e. solve the problem.
* **Judged as the records arrive.** On a warm sandbox (``zygote``) the grader judges each
  record as it comes and, at the first verdict that can no longer be a pass (a wrong output, an
  exception, a timeout), tells the run to stop (``_code_records``): a program that is wrong on
  its first test does not run the other thousand (evalplus stops a test set at its first
  failure too). Outputs that evalplus compares exactly travel as digests (``_harness.codec``).
* **No record, no pass.** A test without a nonce-tagged record, or a missing final "done"
  record, is never a pass: ``sys.exit(0)``, ``os._exit(0)``, killing the harness or the
  interpreter end as error / fail / timeout.
* Per-test limits are enforced by the harness from outside the candidate's process, in time
  charged without waiting for a CPU (``_harness.driver._Clock``: a loaded machine stretches
  neither the reference's times nor the candidate's; ``wall_factor`` bounds wall time), the whole
  run under the sandbox's wall-clock deadline, and the pool's hard per-item kill above that
  (``item_timeout``). An evalplus timeout is re-run once and stands only if it repeats: limits
  derived from one timing of the reference turn a busy machine's hiccup into a wrong verdict
  otherwise (evalplus itself does not re-run; on a quiet machine the verdicts are the same).

What this does not stop: under a tier without a uid drop (root inside the sandbox) the
candidate could ptrace its parent, the harness; ``sandbox_capabilities()`` says whether the
tier drops privileges. A candidate that breaks its own process (patched builtins) gets an error.

Statuses: ``pass``; ``fail`` (a wrong output, or the function raised on a test); ``timeout``;
``error`` (the program did not load — syntax error, exception at import, no entry point — or
the process ended before its tests did); ``no_answer`` (no code in the completion).

Semantics: evalplus 0.3.1 (``evalplus/evaluate.py``, ``evalplus/eval/__init__.py``): expected
outputs and times from ``prompt + canonical_solution``; per-test limit ``max(min_time_limit,
gt_time_limit_factor * t_ref)`` (1 s, 4x); a set's budget ``min(60, sum of limits) + 1``; base
tests then plus tests, first failure ends the run. LiveCodeBench (lcb_runner
``evaluation/testing_util.py``): its import preamble, 6 s per test, stdio comparison by stripped
lines / ``Decimal`` tokens, call-based via ``Solution().fn_name(*json_args)``. Deliberate
differences: stdin programs run as ``__main__`` with a real stdin (``sys.stdin.buffer`` and
``open(0)`` work, where LiveCodeBench's mocks fail them), and HumanEval/32 passes when the root
is within atol (evalplus 0.3.1 never counts it as passed, a bug in its special oracle).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import secrets
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.benchmarks.visible import NOTE as VISIBLE_NOTE
from passbound.benchmarks.visible import visible_tests_only
from passbound.types import Problem
from passbound.verify._code_compare import (
    MBPP_OUTPUT_NOT_NONE_TASKS,
    MBPP_OUTPUT_SET_EQ_TASKS,
    EvalplusComparer,
    lcb_call_match,
    lcb_stdio_match,
)
from passbound.verify._code_records import Digest, Records, RecordStream, Verdict, ended
from passbound.verify._harness import source as _harness_source
from passbound.verify._harness.codec import decode, encode
from passbound.verify.reasoning import ReasoningPolicy, no_answer_detail, reasoning_policy
from passbound.verify.result import GradeResult

SEMANTICS_VERSION = "code-6"  # code-2: an evalplus timeout is confirmed by a second run; code-3: digests for all
# plain outputs (not after a float-valued one in a set), strings hashed as bytes; code-4: test 0 is timed from
# the sending of the inputs (work before "ready" counts; reference times re-measured); code-5: every program
# starts from the same sandbox state (nothing of an earlier one; a timeout confirmed in a fresh sandbox), tests
# timed in CPU time (reference re-measured), judging errors are fails, outputs bounded by the expected's size,
# HumanEval check() sees the reference, quit()/exit() end stdin programs, numpy importable; code-6: the reasoning
# policy of math-6 (configurable tags; an opener in any case or spacing after the last close re-opens reasoning)
_STARTUP_S = 3.0  # interpreter start, harness set-up and result encoding, on a loaded box
_MEMORY_CACHE = 512  # problems whose reference outputs a worker keeps in memory
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


def harness_source() -> str:
    """The harness script the sandbox runs (assembled once from ``passbound.verify._harness``)."""
    return _harness_source()


def default_cache_dir() -> Path:
    """$PASSBOUND_CACHE/code-reference, else ~/.cache/passbound/code-reference."""
    root = os.environ.get("PASSBOUND_CACHE") or Path.home() / ".cache" / "passbound"
    return Path(root) / "code-reference"


class ReferenceError_(Exception):
    """The reference solution itself failed (bad data or a broken sandbox)."""


def _expected(payload: dict[str, Any]) -> Any:
    return Digest(payload["h"]) if "h" in payload else decode(payload["o"])


@dataclass
class _Plan:
    """What one sandbox run does, and how its records are judged."""

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
class _EvalplusPlan:
    """An evalplus problem's plan, expected outputs and inputs (kept per problem)."""

    raw: tuple[Any, Any, Any]  # the problem's own inputs and atol, to check a cache hit
    plan: _Plan
    expected: list[Any]
    inputs: list[Any]
    n_base: int


@dataclass(frozen=True)
class CodeVerifier:
    """Grades a code completion of a ``kind="code"`` Problem by running its tests in the sandbox.

    Options: evalplus's ``min_time_limit`` / ``gt_time_limit_factor`` / ``per_set_timeout``;
    ``lcb_timeout`` (seconds per LiveCodeBench test); ``check_timeout`` (plain HumanEval);
    sandbox ``memory_mb`` (address space per process, at most the pool worker's own limit),
    ``max_processes`` (so up to ``memory_mb x max_processes`` per run), ``isolation``;
    ``extract_mode`` for ``extract_code``; ``cache_dir`` for reference outputs ("" = memory only);
    ``confirm_timeouts``: an evalplus-style timeout is re-run once and stands only if it repeats;
    ``zygote``: programs run in a long-lived sandboxed interpreter that forks per program (same
    isolation, see ``_zygote_run``) where the tier has a pid namespace, else one sandbox each;
    ``max_disk_mb``: the size of the tmpfs a warm sandbox's program writes in.
    ``wall_factor``: per-test limits and the tests' budget are charged time, wall time less the
    time spent waiting for a CPU (a loaded machine stretches neither the reference's times nor the
    candidate's); a test also ends past this many times its limit in wall time, and the sandbox's
    wall-clock deadline for a run scales with it.
    ``reasoning``: where the answer part starts (``passbound.verify.reasoning``).
    """

    min_time_limit: float = 1.0
    gt_time_limit_factor: float = 4.0
    per_set_timeout: float = 60.0
    lcb_timeout: float = 6.0
    check_timeout: float = 3.0
    reference_timeout: float = 120.0
    memory_mb: int = 4096  # evalplus's EVALPLUS_MAX_MEMORY_BYTES default
    max_processes: int = 4
    max_output_mb: int = 32
    isolation: str = "auto"
    extract_mode: str = "auto"
    cache_dir: str | None = None
    confirm_timeouts: bool = True
    zygote: bool = True
    max_disk_mb: int = 256
    wall_factor: float = 10.0
    reasoning: ReasoningPolicy | str | dict[str, Any] | None = None

    name = "code"

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasoning", reasoning_policy(self.reasoning))

    @property
    def version(self) -> str:
        return f"{SEMANTICS_VERSION}+py{sys.version_info[0]}.{sys.version_info[1]}{self._policy.tag}"

    @property
    def _policy(self) -> ReasoningPolicy:
        assert isinstance(self.reasoning, ReasoningPolicy)  # __post_init__ made it one
        return self.reasoning

    def warm_up(self) -> None:
        """Probe the sandbox tier once in this process (a pool worker does it before work)."""
        self._sandbox().capabilities()

    # -- extraction and dedupe (in the pool's parent) --------------------------------------

    def extract(self, completion: str, problem: Problem | None = None) -> str | None:
        from passbound.verify.code_extract import extract_code

        meta = problem.metadata if problem is not None else {}
        prompt = meta.get("prompt") if meta.get("dataset") == "humaneval" else None
        entry_point = meta.get("entry_point") or meta.get("fn_name") or None
        return extract_code(
            completion,
            prompt=prompt,
            entry_point=entry_point,
            mode=self.extract_mode,  # type: ignore[arg-type]
            reasoning=self._policy,
        )

    def dedupe_key(self, problem: Problem, program: str) -> tuple[str, str, str]:
        return (problem.benchmark, problem.id, program)

    def quick_check(self, problem: Problem, program: str) -> GradeResult | None:
        return None  # a program's verdict always needs a run

    def item_timeout(self, problem: Problem) -> float:
        """An upper bound on ``check``'s wall time (the pool's hard kill comes after it)."""
        meta = problem.metadata
        if "tests" in meta:
            return self.wall_factor * len(meta["tests"]) * (self.lcb_timeout + 1) + 2 * _STARTUP_S + 10
        if meta.get("base_input") or meta.get("plus_input"):  # up to two runs: see check()
            runs = 2 * (self.wall_factor * 2 * (self.per_set_timeout + 1) + _STARTUP_S)
            return self.reference_timeout + runs + _STARTUP_S + 10
        return self.wall_factor * self.check_timeout + 2 * _STARTUP_S + 10

    # -- grading (in a pool worker) ------------------------------------------------------------

    def grade(self, problem: Problem, completion: str) -> GradeResult:
        program = self.extract(completion, problem)
        if program is None:
            return GradeResult("no_answer", None, no_answer_detail(self, completion, "no code found"))
        return self.check(problem, program)

    def check(self, problem: Problem, program: str) -> GradeResult:
        """Run ``program``'s tests for ``problem`` in the sandbox and judge the results here.

        A problem graded only on tests its prompt shows says so in every verdict's detail: a
        lookup table of its examples passes it (``passbound.benchmarks.visible``)."""
        result = self._check(problem, program)
        if not visible_tests_only(problem):
            return result
        return GradeResult(result.status, result.extracted, "; ".join(filter(None, (VISIBLE_NOTE, result.detail))))

    def _check(self, problem: Problem, program: str) -> GradeResult:
        meta = problem.metadata
        try:
            if "tests" in meta:
                return self._judge_lcb(problem, program)
            if meta.get("base_input") or meta.get("plus_input"):
                result = self._judge_evalplus(problem, program)
                if result.status == "timeout" and self.confirm_timeouts:
                    # Limits are 4x the reference's time measured once; on a busy machine an
                    # honest program can overrun them by chance. A timeout stands only if a
                    # second run times out too (costs a second run for timeouts only), in a fresh
                    # sandbox: nothing the first run left (a checkpoint) may reach the second.
                    result = self._judge_evalplus(problem, program, fresh=True)
                return result
            if meta.get("test") and meta.get("entry_point"):
                return self._judge_check(problem, program)
        except ReferenceError_ as exc:
            return GradeResult("error", program, f"reference solution failed: {exc}")
        return GradeResult("error", program, f"problem {problem.id} has no tests this verifier knows")

    # -- evalplus ------------------------------------------------------------------------

    def _judge_evalplus(self, problem: Problem, program: str, fresh: bool = False) -> GradeResult:
        meta = problem.metadata
        ready = self._evalplus_plan(problem)
        plan, expected, inputs, nb = ready.plan, ready.expected, ready.inputs, ready.n_base
        comparers = [EvalplusComparer(meta["dataset"], meta["entry_point"], meta.get("atol") or 0) for _ in "bp"]

        def judge(i: int, out: Any) -> bool:
            if isinstance(expected[i], Digest) or isinstance(out, Digest):
                return out == expected[i]
            return comparers[i >= nb].match(inputs[i], out, expected[i])

        return self._run_and_judge(program, plan, judge, fresh)

    def _evalplus_plan(self, problem: Problem) -> _EvalplusPlan:
        """What every program of an evalplus problem is run and judged with, made once per
        problem in this process (the encoded tests alone are ~18k values for some problems)."""
        meta = problem.metadata
        key = (self, problem.benchmark, problem.id, problem.target, meta.get("dataset"), meta.get("entry_point"))
        ready = _PLANS.get(key)
        # Same key, same inputs (a deep comparison, far cheaper than re-encoding): a problem
        # edited under the same id never reuses another's plan.
        if ready is not None and ready.raw == (meta.get("base_input"), meta.get("plus_input"), meta.get("atol")):
            _PLANS.move_to_end(key)
            return ready
        ref = self.reference(problem)
        base, plus = _evalplus_inputs(problem)
        limits = [max(self.min_time_limit, self.gt_time_limit_factor * t) for t in ref["base_time"] + ref["plus_time"]]
        nb = len(base)
        budget = min(self.per_set_timeout, sum(limits[:nb])) + min(self.per_set_timeout, sum(limits[nb:])) + 2
        tests = [encode(a) for a in base + plus]
        plan = _Plan("function", tests, limits, self.wall_factor * budget + _STARTUP_S,
                     [f"base test {i}" for i in range(nb)] + [f"plus test {i}" for i in range(len(plus))],
                     meta["entry_point"], tests_json=json.dumps(tests))  # fmt: skip
        expected = ref["base"] + ref["plus"]
        plan.extra = {"digest": [i for i, e in enumerate(expected) if isinstance(e, Digest)], "tests_budget": budget}
        plan.digests = frozenset(plan.extra["digest"])
        plan.bounds = [_DIGEST_RECORD if isinstance(e, Digest) else _bound(len(json.dumps(encode(e))))
                       for e in expected]  # fmt: skip
        ready = _EvalplusPlan((meta.get("base_input"), meta.get("plus_input"), meta.get("atol")), plan, expected,
                              base + plus, nb)  # fmt: skip
        _PLANS[key] = ready
        while len(_PLANS) > _PLAN_CACHE:
            _PLANS.popitem(last=False)
        return ready

    def reference(self, problem: Problem) -> dict[str, list[Any]]:
        """Expected outputs and reference times of an evalplus problem, computed once per
        problem by running ``problem.target`` (prompt + canonical solution) in the sandbox."""
        key = _reference_key(problem)
        cached = _REFERENCES.get(key)
        if cached is not None:
            _REFERENCES.move_to_end(key)
            return cached
        path = self._cache_path(key)
        ref = None
        if path is not None and path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                ref = {k: ([_expected(v) for v in raw[k]] if k in ("base", "plus") else raw[k]) for k in raw}
            except (OSError, ValueError, KeyError, TypeError):
                ref = None
        if ref is None:
            raw = self._compute_reference(problem)
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

    def _compute_reference(self, problem: Problem) -> dict[str, list[Any]]:
        base, plus = _evalplus_inputs(problem)
        tests = base + plus
        per = self.reference_timeout
        meta = problem.metadata
        plain = not meta.get("atol") and meta["entry_point"] not in _SPECIAL
        spec = {
            "mode": "function",
            "tests": [encode(a) for a in tests],
            "limits": [per] * len(tests),
            "entry_point": meta["entry_point"],
            "load_limit": per,
            "digest_over": DIGEST_OVER if plain else None,
            "set_starts": [0, len(base)],
            "cpu_times": True,
        }
        result, records = self._run(problem.target, spec, per + _STARTUP_S)
        outs, times = [], []
        for i in range(len(tests)):
            rec = records.tests.get(i)
            if rec is None or rec.get("s") != "ok":
                why = (rec or {}).get("e") or (rec or {}).get("s") or f"no result ({ended(result)})"
                raise ReferenceError_(f"{problem.id} test {i}: {why}")
            outs.append({"h": rec["h"]} if "h" in rec else {"o": rec.get("o")})
            times.append(float(rec.get("t", 0.0)))
        nb = len(base)
        return {"base": outs[:nb], "plus": outs[nb:], "base_time": times[:nb], "plus_time": times[nb:]}

    def _cache_path(self, key: str) -> Path | None:
        if self.cache_dir == "":
            return None
        root = Path(self.cache_dir) if self.cache_dir else default_cache_dir()
        return root / key[:2] / f"{key}.json"

    # -- LiveCodeBench and plain HumanEval ------------------------------------------------

    def _judge_lcb(self, problem: Problem, program: str) -> GradeResult:
        meta = problem.metadata
        tests = meta["tests"]
        n = len(tests)
        functional = bool(meta.get("fn_name")) and all(t.get("testtype") == "functional" for t in tests)
        limits = [float(self.lcb_timeout)] * n
        labels = [f"test {i}" for i in range(n)]
        tests_budget = n * (self.lcb_timeout + 0.5)
        budget = self.wall_factor * tests_budget + _STARTUP_S
        if functional:
            try:
                args = [[json.loads(line) for line in t["input"].split("\n") if line.strip()] for t in tests]
                expected = [json.loads(t["output"]) for t in tests]
            except ValueError as exc:
                return GradeResult("error", program, f"test data is not JSON: {exc}")
            plan = _Plan("lcb_call", [encode(a) for a in args], limits, budget, labels, meta["fn_name"],
                         {"tests_budget": tests_budget}, bounds=[_bound(len(t["output"])) for t in tests])  # fmt: skip
            return self._run_and_judge(program, plan, lambda i, out: lcb_call_match(out, expected[i]))
        plan = _Plan(
            "stdio",
            [t["input"] for t in tests],
            limits,
            budget,
            labels,
            extra={"tests_budget": tests_budget},
            bounds=[_bound(len(t["output"])) for t in tests],
        )
        return self._run_and_judge(
            program, plan, lambda i, out: isinstance(out, str) and lcb_stdio_match(out, tests[i]["output"])
        )

    def _judge_check(self, problem: Problem, program: str) -> GradeResult:
        meta = problem.metadata
        # check() runs on the prompt and the reference solution: a name it calls besides its
        # ``candidate`` argument (HumanEval/33 compares with ``sort_third`` itself) is the
        # reference's, never the prompt's stub nor anything the candidate defines.
        budget = self.wall_factor * self.check_timeout + _STARTUP_S
        plan = _Plan(
            "check",
            [None],
            [self.check_timeout],
            budget,
            ["check()"],
            meta["entry_point"],
            {"prompt": problem.target or meta.get("prompt") or problem.prompt, "test": meta["test"]},
        )
        return self._run_and_judge(program, plan, lambda i, out: True)

    # -- running and judging -------------------------------------------------------------------

    def _sandbox(self) -> Any:
        import resource

        from passbound.sandbox import Sandbox

        # A pool worker runs under its own RLIMIT_AS; the sandbox can only lower it.
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        memory_mb = self.memory_mb if hard == resource.RLIM_INFINITY else min(self.memory_mb, hard >> 20)
        return Sandbox(isolation=self.isolation, memory_mb=memory_mb, max_processes=self.max_processes,
                       max_output_bytes=(self.max_output_mb << 20) + (1 << 20))  # fmt: skip

    def _run(
        self,
        program: str,
        spec: dict[str, Any],
        timeout: float,
        verdict: Verdict | None = None,
        tests_json: str | None = None,
        bounds: list[int | None] | None = None,
        fresh: bool = False,
    ) -> tuple[Any, Records]:
        """Run ``program`` under ``spec``; its result and records. With ``verdict``, a warm
        sandbox's run is judged as its records arrive and stopped once it cannot pass.
        ``tests_json``: ``spec["tests"]`` already as JSON (spliced in, not encoded again);
        ``bounds``: each test record's longest text (longer ones are never parsed);
        ``fresh``: in a sandbox no program ran in before."""
        nonce = secrets.token_hex(16)
        spec = {**spec, "nonce": nonce, "max_output_bytes": self.max_output_mb << 20}
        spec_json = _spec_json(spec, tests_json)
        bound = None if bounds is None else (lambda i: bounds[i] if 0 <= i < len(bounds) else 0)
        stream = RecordStream(nonce, bound)

        def watch(chunk: bytes) -> bool:
            stream.feed(chunk)
            try:
                return verdict is not None and verdict.partial(stream.records) is not None
            except Exception:  # noqa: BLE001 - a judging bug must not cost the warm sandbox: stop, judge at the end
                return True

        result = self._zygote_run(program, spec_json, timeout, watch, fresh) if self.zygote else None
        if result is not None and stream.fed < (self.max_output_mb << 20) + (1 << 20):
            # Under the output cap the stream saw all of the run's output (the server's contract):
            # its records are those of ``result.stdout`` (and the end marker, which is no record).
            return result, stream.finish()
        if result is None:
            files = {"spec.json": spec_json, "solution.py": program}
            result = self._sandbox().run(harness_source(), timeout=timeout, extra_files=files)
        return result, Records.parse(result.stdout, nonce, stream.parsed, bound)

    def _zygote_run(
        self, program: str, spec_json: str, timeout: float, watch: Any = None, fresh: bool = False
    ) -> Any | None:
        """Run on this process's warm sandboxed server (None: none here, or another thread has it).

        Isolation is that of a one-shot run: the server is a sandbox of the same tier, limits and
        seccomp filter; per program it forks a harness that forks the candidate before reading
        the request (no process the candidate descends from held its nonce), in namespaces and a
        tmpfs of its own where the tier drops to a per-run uid (else everything is killed and
        emptied after it, and a server that cannot restore its start state is replaced); a run
        over its budget or output cap, or one that kills the server, costs the whole sandbox.
        """
        import math

        server, lock = _server_for(self)
        if server is None or not lock.acquire(blocking=False):
            return None
        try:
            request = '{"spec": %s, "source": %s, "cpu_seconds": %d}' % (spec_json, json.dumps(program),
                                                                          math.ceil(timeout) + 1)  # fmt: skip
            return server.request(request.encode(), timeout=timeout, watch=watch, fresh=fresh)
        except Exception:  # noqa: BLE001 - the server could not start: run this program one-shot
            _SERVERS[_server_key(self)] = (None, lock)
            return None
        finally:
            lock.release()

    def _run_and_judge(self, program: str, plan: _Plan, judge: Any, fresh: bool = False) -> GradeResult:
        spec = {"mode": plan.mode, "tests": plan.tests, "limits": plan.limits, "entry_point": plan.entry_point,
                "load_limit": plan.budget, "wall_factor": self.wall_factor, **(plan.extra or {})}  # fmt: skip
        verdict = Verdict(program, plan.labels, plan.limits, plan.budget, judge, plan.digests.__contains__)
        result, rec = self._run(program, spec, plan.budget, verdict, plan.tests_json, plan.bounds, fresh)
        return verdict.final(rec, result)


_SERVERS: dict[tuple[Any, ...], tuple[Any, threading.Lock]] = {}
_SERVERS_LOCK = threading.Lock()


def _server_key(verifier: CodeVerifier) -> tuple[Any, ...]:
    sandbox = verifier._sandbox()
    return (
        sandbox.isolation,
        sandbox.python,
        sandbox.memory_mb,
        sandbox.max_processes,
        sandbox.max_output_bytes,
        verifier.max_disk_mb,
    )


def _server_for(verifier: CodeVerifier) -> tuple[Any, threading.Lock]:
    """This process's server for the verifier's sandbox settings (made on first use)."""
    from passbound.sandbox import SandboxServer, ServerUnavailable

    key = _server_key(verifier)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            sandbox = verifier._sandbox()
            try:
                server: Any = SandboxServer(harness_source(), argv=["zygote"], isolation=sandbox.isolation,
                                            python=sandbox.python, memory_mb=sandbox.memory_mb,
                                            max_processes=sandbox.max_processes,
                                            max_output_bytes=sandbox.max_output_bytes,
                                            disk_mb=verifier.max_disk_mb)  # fmt: skip
                atexit.register(server.close)
            except ServerUnavailable:
                server = None
            _SERVERS[key] = (server, threading.Lock())
        return _SERVERS[key]


_REFERENCES: OrderedDict[str, dict[str, list[Any]]] = OrderedDict()
_PLAN_CACHE = 64  # evalplus problems whose plan a worker keeps (the largest are a few MB)
_PLANS: OrderedDict[tuple[Any, ...], _EvalplusPlan] = OrderedDict()


# A test record's longest text: a digest's record, and a value's (its expected output's encoded
# size times a margin for other spellings of an equal value: float digits, tuples, escapes).
_DIGEST_RECORD = 512


def _bound(expected_chars: int) -> int:
    return 16 * expected_chars + 4096


def _spec_json(spec: dict[str, Any], tests_json: str | None) -> str:
    """``json.dumps(spec)``, with ``tests_json`` standing for ``spec["tests"]`` when given."""
    if tests_json is None:
        return json.dumps(spec, allow_nan=True)
    rest = json.dumps({k: v for k, v in spec.items() if k != "tests"}, allow_nan=True)
    return rest[:-1] + ', "tests": ' + tests_json + "}"


def _evalplus_inputs(problem: Problem) -> tuple[list[Any], list[Any]]:
    """Base and plus argument lists as the functions expect them (MBPP+ tuples, sets ...)."""
    meta = problem.metadata
    base, plus = list(meta.get("base_input") or []), list(meta.get("plus_input") or [])
    if meta.get("dataset") == "mbpp":
        from passbound.benchmarks.code_evalplus import decode_mbpp_inputs

        base, plus = decode_mbpp_inputs(problem.id, base), decode_mbpp_inputs(problem.id, plus)
    return [list(a) for a in base], [list(a) for a in plus]


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
