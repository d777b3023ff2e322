"""One shard of a `passbound grade` input file, read and extracted inside a grading worker.

Reading 128,000 rows of long reasoning (400 MB of JSON) and cutting out their answers is most of
the work of grading them; done in the parent it runs on one core while the others wait. Each
worker reads its own byte range of the file instead (nothing is copied between processes), parses
and checks each row as :func:`passbound.grade.read_grade_rows` does, resolves its problem and
extracts the answer, and returns only what the parent needs: per row, where its line lies in the
file, an index into the shard's distinct problems and answers. The pool's hard timeout bounds
each shard; the parent splits a shard that overruns it until the row that does is alone.

A shard with a row that ``read_grade_rows`` or the problem lookup would reject returns no rows and
``bad=True``: the parent then takes the plain path, which raises the same error as always.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passbound.types import Problem
from passbound.verify.reasoning import REASONING_NOT_CLOSED, no_answer_detail

# Output rows add these fields; a row that already has one (or a gold that is not a string) is
# written by re-encoding it, not by appending to its line.
ADDED_FIELDS = ("status", "extracted", "detail", "verifier_version")
UNCLOSED = -2  # ``ans`` of a row without an answer because its reasoning never closed


@dataclass
class ShardScan:
    """Rows of one shard, in file order. ``problems[prob[r]]`` is a problem spec: ("gold", gold,
    kind) or ("ref", benchmark, problem_id, gold or None); ``answers[ans[r]]`` the answer (-1:
    none; ``UNCLOSED``: none, its reasoning never closed); ``close[r]`` the offset of the row's final ``}`` (-1: re-encode the row); ``start[r]``
    and ``end[r]`` its line (without the newline)."""

    start: array = field(default_factory=lambda: array("q"))
    end: array = field(default_factory=lambda: array("q"))
    close: array = field(default_factory=lambda: array("q"))
    prob: array = field(default_factory=lambda: array("l"))
    ans: array = field(default_factory=lambda: array("l"))
    problems: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    bad: bool = False


_benchmarks: dict[tuple[str, str | None], dict[str, Problem]] = {}
_verifiers: dict[tuple[str, str], Any] = {}


def _verifier(kind: str, options: dict[str, dict[str, Any]]) -> Any:
    key = (kind, repr(sorted(options.get(kind, {}).items())))
    if key not in _verifiers:
        from passbound.verify import get_verifier

        _verifiers[key] = get_verifier(kind, **options.get(kind, {}))
    return _verifiers[key]


def _problem(spec: tuple[Any, ...], data_dir: str | None) -> Problem | None:
    if spec[0] == "gold":
        return Problem(id="row", benchmark="adhoc", prompt="", target=spec[1], kind=spec[2])
    from passbound.benchmarks import load_benchmark

    _, bench, pid, gold = spec
    if (bench, data_dir) not in _benchmarks:
        _benchmarks[bench, data_dir] = {p.id: p for p in load_benchmark(bench, data_dir=data_dir).problems}
    problem = _benchmarks[bench, data_dir].get(pid)
    if problem is None or gold is None:
        return problem
    from dataclasses import replace

    return replace(problem, target=gold)


def scan_shard(
    path: str, start: int, end: int, data_dir: str | None, options: dict[str, dict[str, Any]], extract: bool = True
) -> ShardScan:
    """Read, check, resolve and (unless ``extract`` is False) extract the rows in [start, end)."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    out = ShardScan()
    spec_ids: dict[tuple[Any, ...], int] = {}
    answer_ids: dict[str, int] = {}
    problems: list[Problem] = []
    verifiers: dict[int, Any] = {}  # per problem index: its kind's verifier (looked up once)
    pos = 0
    size = len(data)
    while pos < size:
        nl = data.find(b"\n", pos)
        line_end = size if nl < 0 else nl
        line = data[pos:line_end]
        line_start, pos = pos, line_end + 1
        if not line.strip():
            continue
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            out.bad = True
            return out
        if not isinstance(row, dict) or not isinstance(row.get("completion"), str):
            out.bad = True
            return out
        if "gold" in row and "problem_id" not in row:
            spec: tuple[Any, ...] = ("gold", str(row["gold"]), row.get("kind", "math"))
            if not isinstance(spec[2], str):
                out.bad = True
                return out
        elif "benchmark" in row and "problem_id" in row:
            spec = ("ref", str(row["benchmark"]), str(row["problem_id"]), str(row["gold"]) if "gold" in row else None)
        else:
            out.bad = True
            return out
        idx = spec_ids.get(spec)
        if idx is None:
            try:
                problem = _problem(spec, data_dir)
            except Exception:  # noqa: BLE001 - the plain path raises it with its own message
                problem = None
            if problem is None:
                out.bad = True
                return out
            idx = spec_ids[spec] = len(problems)
            problems.append(problem)
            out.problems.append(spec)
        answer, why = None, ""
        if extract:
            problem = problems[idx]
            verifier = verifiers.get(idx)
            if verifier is None:
                try:
                    verifier = verifiers[idx] = _verifier(problem.kind, options)
                except Exception:  # noqa: BLE001 - an unknown kind: the plain path says which
                    out.bad = True
                    return out
            answer = verifier.extract(row["completion"], problem)
            if answer is None:
                why = no_answer_detail(verifier, row["completion"])
        if answer is None:
            a = UNCLOSED if why == REASONING_NOT_CLOSED else -1
        else:
            a = answer_ids.get(answer, -1)
            if a < 0:
                a = answer_ids[answer] = len(out.answers)
                out.answers.append(answer)
        spliceable = not any(k in row for k in ADDED_FIELDS) and isinstance(row.get("gold", ""), str)
        out.start.append(start + line_start)
        out.end.append(start + line_end)
        out.close.append(start + line_start + line.rstrip().rfind(b"}") if spliceable else -1)
        out.prob.append(idx)
        out.ans.append(a)
    return out


def shards(path: Path, size: int) -> list[tuple[int, int]]:
    """Byte ranges of about ``size`` bytes that end at line ends, covering the file."""
    total = path.stat().st_size
    bounds = [0]
    with open(path, "rb") as fh:
        while bounds[-1] < total:
            fh.seek(min(total, bounds[-1] + size))
            if fh.tell() >= total:
                bounds.append(total)
                break
            rest = fh.readline()  # to the end of the line the cut fell in
            bounds.append(min(total, fh.tell()) if rest else total)
    return list(zip(bounds, bounds[1:]))


def halves(path: Path, start: int, end: int) -> list[tuple[int, int]] | None:
    """The range split at the line end nearest its middle; None if it holds one line."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    body = data.rstrip(b"\n")
    mid = data.find(b"\n", len(body) // 2)
    if mid < 0 or mid >= len(body):
        mid = data.rfind(b"\n", 0, len(body) // 2)
    if mid < 0:
        return None
    return [(start, start + mid + 1), (start + mid + 1, end)]
