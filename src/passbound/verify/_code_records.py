"""A run's nonce-tagged records, parsed and judged in the trusted grader, also while they arrive.

Why a module of its own: the verdict is made here, from records the harness wrote under the
run's nonce, and the same walk serves two purposes: judging a finished run, and judging a run
still in progress so that the grader can stop it at its first wrong output (evalplus stops a
test set at its first failure too). Stopping early is only ever decided by a verdict that is
not a pass and cannot become one: later records can add failures (a conflicting duplicate)
but never undo one, and a pass needs the harness's final "done" record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from passbound.verify._harness.codec import CollisionBudget, decode
from passbound.verify.result import GradeResult

# A record longer than this is dropped unread (the sandbox caps all output at max_output_mb).
MAX_RECORD_CHARS = 16 << 20
CONFLICT: dict[str, Any] = {"s": "conflict"}
# A test record whose text is longer than its test's bound (``Records.bounds``) is not parsed: a
# forged output costs the grader no more than the expected output's size, whatever it sends.
OVERSIZE: dict[str, Any] = {"s": "oversize"}
# Records up to this size are parsed whatever their bound (below it parsing costs nothing).
_ALWAYS_PARSE = 4096
# The harness writes each test record's own fields last (see ``_harness.driver``), so the test's
# index is read from the record's tail without parsing the candidate's part of it.
_TAIL = re.compile(r', "k": "test", "i": (\d{1,9}), "t": [^,{}"]{1,40}\}$')

# The common record, a digest that passed its test, read without the JSON parser: only a text
# that is exactly this (nothing before, between or after the fields; numbers in JSON's own
# grammar) is taken, and it means what json.loads would make of it; anything else is parsed.
_DIGEST_OK = re.compile(
    r'\{"s": "ok", "h": "([0-9a-f]{64})", "k": "test", "i": (0|[1-9][0-9]{0,8}), '
    r'"t": (-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\}'
)


@dataclass(frozen=True)
class Digest:
    """An output known only by its canonical digest (see ``_harness.codec``)."""

    hexdigest: str


@dataclass
class Records:
    """The nonce-tagged records of one run (anything else on stdout is ignored)."""

    load: dict[str, Any] | None = None
    tests: dict[int, dict[str, Any]] = field(default_factory=dict)
    done: bool = False
    raw: dict[int, str] = field(default_factory=dict)  # each test's first record text
    # Test i's record may be at most bounds(i) characters (None: no bound); longer ones are OVERSIZE.
    bounds: Callable[[int], int | None] | None = None

    def add(self, body: str, parsed: dict[str, str | Any] | None = None) -> None:
        """One record (its text after ``<nonce> ``); ``parsed``: texts already decoded, reused."""
        if len(body) > MAX_RECORD_CHARS:
            return
        if len(body) > _ALWAYS_PARSE and self.bounds is not None:
            tail = _TAIL.search(body, len(body) - 80)
            bound = self.bounds(int(tail.group(1))) if tail else None
            if tail and bound is not None and len(body) > bound:
                self._test(int(tail.group(1)), body, OVERSIZE)
                return
        rec = parsed.get(body) if parsed is not None else None
        if rec is None and (fast := _DIGEST_OK.fullmatch(body)) is not None:
            h, i, t = fast.groups()
            rec = {"s": "ok", "h": h, "k": "test", "i": int(i), "t": float(t)}
            if parsed is not None:
                parsed[body] = rec
        if rec is None:
            try:
                rec = json.loads(body)
            except (ValueError, RecursionError):  # forged: malformed or 100k levels deep
                return
            if parsed is not None and isinstance(rec, dict):
                parsed[body] = rec
        if not isinstance(rec, dict):
            return
        kind = rec.get("k")
        if kind == "load" and self.load is None:
            self.load = rec
        elif kind == "done":
            self.done = True
        elif kind == "test" and isinstance(rec.get("i"), int):
            self._test(rec["i"], body, rec)

    def _test(self, i: int, body: str, rec: dict[str, Any]) -> None:
        if i in self.raw and self.raw[i] != body:
            self.tests[i] = CONFLICT
        elif i not in self.raw:
            self.raw[i], self.tests[i] = body, rec

    @classmethod
    def parse(
        cls,
        stdout: str,
        nonce: str,
        parsed: dict[str, Any] | None = None,
        bounds: Callable[[int], int | None] | None = None,
    ) -> Records:
        records, tag = cls(bounds=bounds), nonce + " "
        for line in stdout.split("\n"):
            if line.startswith(tag):
                records.add(line[len(tag) :], parsed)
        return records


class RecordStream:
    """Records as the run's output arrives in pieces (``feed``); remembers each record's parse."""

    def __init__(self, nonce: str, bounds: Callable[[int], int | None] | None = None) -> None:
        self.tag = (nonce + " ").encode()
        self.records = Records(bounds=bounds)
        self.parsed: dict[str, Any] = {}
        self._partial: list[bytes] = []
        self._partial_len = 0
        self.fed = 0  # bytes seen

    def finish(self) -> Records:
        """The records of everything fed (an unterminated last line counts, as in ``parse``)."""
        if self._partial:
            self.feed(b"\n")
        return self.records

    def feed(self, chunk: bytes) -> None:
        self.fed += len(chunk)
        lines = chunk.split(b"\n")
        if len(lines) == 1:  # no line ends here: keep the piece (bounded: over-long lines are dropped)
            if self._partial_len <= MAX_RECORD_CHARS + len(self.tag):
                self._partial.append(chunk)
                self._partial_len += len(chunk)
            return
        first = lines[0]
        if self._partial:
            too_long = self._partial_len + len(first) > MAX_RECORD_CHARS + len(self.tag)
            first = b"" if too_long else b"".join(self._partial) + first
            self._partial, self._partial_len = [], 0
        tail = lines.pop()
        lines[0] = first
        for line in lines:
            if line.startswith(self.tag):
                self.records.add(line[len(self.tag) :].decode("utf-8", "replace"), self.parsed)
        if tail:
            self._partial, self._partial_len = [tail], len(tail)


def ended(result: Any) -> str:
    if result.status == "oom":
        return "out of memory"
    if result.status == "output_limit":
        return "output limit"
    if result.signal:
        return f"signal {result.signal}"
    return f"exit code {result.exit_code}"


class Verdict:
    """Judges one run's records in test order; with ``result=None`` (the run still going) it
    returns a verdict only once one is certain (never a pass), else None."""

    def __init__(self, program: str, labels: list[str], limits: list[float], budget: float,
                 judge: Callable[[int, Any], bool],
                 digest_expected: Callable[[int], bool] = lambda i: False) -> None:  # fmt: skip
        self.program, self.labels, self.limits, self.budget, self.judge = program, labels, limits, budget, judge
        self.digest_expected = digest_expected
        self._judged: dict[int, tuple[dict[str, Any], GradeResult | None]] = {}
        self.collisions = CollisionBudget()  # one for all of this program's outputs
        self._settled = 0  # tests 0..settled-1 were judged ok (while streaming: where to resume)

    def partial(self, rec: Records) -> GradeResult | None:
        """A certain verdict from a run in progress (a load failure, a wrong output), else None."""
        return self._walk(rec, None, self._settled)

    def final(self, rec: Records, result: Any) -> GradeResult:
        verdict = self._walk(rec, result, 0)
        assert verdict is not None
        return verdict

    def _walk(self, rec: Records, result: Any, start: int) -> GradeResult | None:
        program, budget = self.program, self.budget
        if rec.load is None:
            if result is None:
                return None
            if result.status == "timeout":
                return GradeResult("timeout", program, f"no result within {budget:.0f}s")
            return GradeResult("error", program, f"program ended before loading ({ended(result)})")
        if rec.load.get("s") == "timeout":
            return GradeResult("timeout", program, "loading the program timed out")
        if rec.load.get("s") != "ok":
            return GradeResult("error", program, f"program failed to load: {rec.load.get('e', '?')}")
        for i in range(start, len(self.labels)):
            label = self.labels[i]
            r = rec.tests.get(i)
            if r is None:
                if result is None:
                    return None
                if result.status == "timeout":
                    return GradeResult("timeout", program, f"{label}: run exceeded its {budget:.0f}s budget")
                return GradeResult("error", program, f"{label}: no result, program ended ({ended(result)})")
            done = self._judged.get(i)
            if done is None or done[0] is not r:
                done = (r, self._judge_one(i, label, r))
                self._judged[i] = done
            if done[1] is not None:
                return done[1]
            if result is None:
                self._settled = i + 1
        if result is None:
            return None
        if not rec.done:
            return GradeResult("error", program, f"program ended before the harness finished ({ended(result)})")
        return GradeResult("pass", program)

    def _judge_one(self, i: int, label: str, r: dict[str, Any]) -> GradeResult | None:
        """Test ``i``'s record: None when it passed, else the verdict it makes."""
        program = self.program
        if r is CONFLICT:
            return GradeResult("fail", program, f"{label}: conflicting results (forked process?)")
        status = r.get("s")
        try:
            seconds = float(r.get("t") or 0.0)
        except (TypeError, ValueError):
            seconds = float("inf")
        if status == "timeout" or seconds > self.limits[i]:
            return GradeResult("timeout", program, f"{label}: over its {self.limits[i]:.2f}s limit")
        if status == "exc":
            return GradeResult("fail", program, f"{label}: {r.get('e', 'exception')}"[:300])
        if status == "oversize":
            return GradeResult("fail", program, f"{label}: output far larger than the expected one")
        if status != "ok":
            return GradeResult("fail", program, f"{label}: {status}")
        try:
            out = _output(r, self.digest_expected(i), self.collisions)
        except Exception:  # noqa: BLE001 - malformed output: never a pass
            return GradeResult("fail", program, f"{label}: malformed result")
        try:
            right = self.judge(i, out)
        except Exception as exc:  # noqa: BLE001 - judging a forged value raised (Decimal('sNaN')): a fail
            return GradeResult("fail", program, f"{label}: output could not be compared ({type(exc).__name__})")
        if not right:
            return GradeResult("fail", program, f"{label}: wrong output")
        return None


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _output(r: dict[str, Any], digest_expected: bool, budget: CollisionBudget) -> Any:
    """A test record's output: a ``Digest`` where the expected output is one (a value sent
    instead is never decoded), else the decoded value (a digest sent instead equals nothing)."""
    h = r.get("h")
    if digest_expected:
        if not (isinstance(h, str) and _HEX64.fullmatch(h)):
            raise ValueError("a digest was expected")
        return Digest(h)
    if h is not None:
        raise ValueError("a value was expected")
    return decode(r.get("o"), budget=budget)
