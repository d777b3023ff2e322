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
  A problem's tests (inputs, limits, labels, expected outputs) are built in ``_code_tests``;
  this module runs a program on them and judges its records.
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
import json
import secrets
import sys
import threading
from dataclasses import dataclass
from typing import Any

from passbound.benchmarks.visible import NOTE as VISIBLE_NOTE
from passbound.benchmarks.visible import visible_tests_only
from passbound.types import Problem
from passbound.verify._code_compare import EvalplusComparer, lcb_call_match, lcb_stdio_match
from passbound.verify._code_records import Digest, Records, RecordStream, Verdict, ended
from passbound.verify._code_tests import (
    SEMANTICS_VERSION,
    STARTUP_S,
    Limits,
    ProblemTests,
    ReferenceError_,
    check_tests,
    evalplus_tests,
    lcb_tests,
    reference_outputs,
    reference_spec,
)
from passbound.verify._harness import source as _harness_source
from passbound.verify.reasoning import ReasoningPolicy, no_answer_detail, reasoning_policy
from passbound.verify.result import GradeResult


def harness_source() -> str:
    """The harness script the sandbox runs (assembled once from ``passbound.verify._harness``)."""
    return _harness_source()


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
            return self.wall_factor * len(meta["tests"]) * (self.lcb_timeout + 1) + 2 * STARTUP_S + 10
        if meta.get("base_input") or meta.get("plus_input"):  # up to two runs: see check()
            runs = 2 * (self.wall_factor * 2 * (self.per_set_timeout + 1) + STARTUP_S)
            return self.reference_timeout + runs + STARTUP_S + 10
        return self.wall_factor * self.check_timeout + 2 * STARTUP_S + 10

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
        ready = evalplus_tests(self._limits, problem, self.reference)
        expected, inputs, nb = ready.expected, ready.inputs, ready.n_base
        comparers = [EvalplusComparer(meta["dataset"], meta["entry_point"], meta.get("atol") or 0) for _ in "bp"]

        def judge(i: int, out: Any) -> bool:
            if isinstance(expected[i], Digest) or isinstance(out, Digest):
                return out == expected[i]
            return comparers[i >= nb].match(inputs[i], out, expected[i])

        return self._run_and_judge(program, ready.tests, judge, fresh)

    @property
    def _limits(self) -> Limits:
        return Limits(self.min_time_limit, self.gt_time_limit_factor, self.per_set_timeout, self.lcb_timeout,
                      self.check_timeout, self.wall_factor)  # fmt: skip

    def reference(self, problem: Problem) -> dict[str, list[Any]]:
        """Expected outputs and reference times of an evalplus problem, computed once per
        problem by running ``problem.target`` (prompt + canonical solution) in the sandbox."""
        return reference_outputs(problem, self.cache_dir, self._compute_reference)

    def _compute_reference(self, problem: Problem) -> dict[str, list[Any]]:
        per = self.reference_timeout
        spec = reference_spec(problem, per)
        result, records = self._run(problem.target, spec, per + STARTUP_S)
        n, nb = len(spec["tests"]), spec["set_starts"][1]
        outs, times = [], []
        for i in range(n):
            rec = records.tests.get(i)
            if rec is None or rec.get("s") != "ok":
                why = (rec or {}).get("e") or (rec or {}).get("s") or f"no result ({ended(result)})"
                raise ReferenceError_(f"{problem.id} test {i}: {why}")
            outs.append({"h": rec["h"]} if "h" in rec else {"o": rec.get("o")})
            times.append(float(rec.get("t", 0.0)))
        return {"base": outs[:nb], "plus": outs[nb:], "base_time": times[:nb], "plus_time": times[nb:]}

    # -- LiveCodeBench and plain HumanEval ------------------------------------------------

    def _judge_lcb(self, problem: Problem, program: str) -> GradeResult:
        try:
            tests, expected = lcb_tests(self._limits, problem)
        except ValueError as exc:
            return GradeResult("error", program, f"test data is not JSON: {exc}")
        if expected is not None:
            return self._run_and_judge(program, tests, lambda i, out: lcb_call_match(out, expected[i]))
        outputs = [t["output"] for t in problem.metadata["tests"]]
        return self._run_and_judge(
            program, tests, lambda i, out: isinstance(out, str) and lcb_stdio_match(out, outputs[i])
        )

    def _judge_check(self, problem: Problem, program: str) -> GradeResult:
        return self._run_and_judge(program, check_tests(self._limits, problem), lambda i, out: True)

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
        if tests_json is None:
            tests_json = json.dumps(spec["tests"], allow_nan=True)
        head = json.dumps({k: v for k, v in spec.items() if k != "tests"} | {"n_tests": len(spec["tests"])},
                          allow_nan=True)  # fmt: skip
        bound = None if bounds is None else (lambda i: bounds[i] if 0 <= i < len(bounds) else 0)
        stream = RecordStream(nonce, bound)

        def watch(chunk: bytes) -> bool:
            stream.feed(chunk)
            try:
                return verdict is not None and verdict.partial(stream.records) is not None
            except Exception:  # noqa: BLE001 - a judging bug must not cost the warm sandbox: stop, judge at the end
                return True

        result = self._zygote_run(program, head, tests_json, timeout, watch, fresh) if self.zygote else None
        if result is not None and stream.fed < (self.max_output_mb << 20) + (1 << 20):
            # Under the output cap the stream saw all of the run's output (the server's contract):
            # its records are those of ``result.stdout`` (and the end marker, which is no record).
            return result, stream.finish()
        if result is None:
            files = {"spec.json": head[:-1] + ', "tests": ' + tests_json + "}", "solution.py": program}
            result = self._sandbox().run(harness_source(), timeout=timeout, extra_files=files)
        return result, Records.parse(result.stdout, nonce, stream.parsed, bound)

    def _zygote_run(
        self, program: str, head: str, tests_json: str, timeout: float, watch: Any = None, fresh: bool = False
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
            # The tests travel after the request's first line, as they are: the harness hands them
            # to the candidate's process without decoding and encoding them again.
            request = '{"spec": %s, "source": %s, "cpu_seconds": %d}\n%s' % (head, json.dumps(program),
                                                                              math.ceil(timeout) + 1, tests_json)  # fmt: skip
            return server.request(request.encode(), timeout=timeout, watch=watch, fresh=fresh)
        except Exception:  # noqa: BLE001 - the server could not start: run this program one-shot
            _SERVERS[_server_key(self)] = (None, lock)
            return None
        finally:
            lock.release()

    def _run_and_judge(self, program: str, tests: ProblemTests, judge: Any, fresh: bool = False) -> GradeResult:
        spec = {"mode": tests.mode, "tests": tests.tests, "limits": tests.limits, "entry_point": tests.entry_point,
                "load_limit": tests.budget, "wall_factor": self.wall_factor, **(tests.extra or {})}  # fmt: skip
        verdict = Verdict(program, tests.labels, tests.limits, tests.budget, judge, tests.digests.__contains__)
        result, rec = self._run(program, spec, tests.budget, verdict, tests.tests_json, tests.bounds, fresh)
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
