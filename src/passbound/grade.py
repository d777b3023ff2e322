"""Grade ad-hoc completions with exactly the verifier a study uses ("why was this marked wrong?")."""

from __future__ import annotations

import contextlib
import json
import mmap
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from passbound._grade_scan import UNCLOSED, ShardScan, _problem, halves, scan_shard, shards
from passbound.errors import DataError
from passbound.types import Problem
from passbound.verify.reasoning import REASONING_NOT_CLOSED
from passbound.verify.result import GradeResult


def read_grade_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of {"benchmark", "problem_id", "completion"} or {"gold", "completion"}, validated."""
    if not path.is_file():
        raise DataError(f"{path} does not exist; give a JSONL file with one object per line")
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{path}:{lineno}: not valid JSON ({exc.msg}); each line must be one JSON object"
                ) from None
            if not isinstance(row, dict) or not isinstance(row.get("completion"), str):
                raise DataError(f"{path}:{lineno}: each row needs a string field \"completion\"")
            has_ref = "benchmark" in row and "problem_id" in row
            if not has_ref and "gold" not in row:
                raise DataError(
                    f"{path}:{lineno}: give either \"benchmark\" and \"problem_id\" (gold taken from the benchmark) "
                    f"or \"gold\" (the reference answer)"
                )
            rows.append(row)
    return rows


def _problems_for(rows: list[dict[str, Any]], data_dir: Path | None) -> Iterator[Problem]:
    from passbound.benchmarks import load_benchmark

    cache: dict[str, dict[str, Problem]] = {}
    for i, row in enumerate(rows):
        if "gold" in row and "problem_id" not in row:
            yield Problem(
                id=f"row-{i}", benchmark="adhoc", prompt="", target=str(row["gold"]), kind=row.get("kind", "math")
            )
            continue
        bench = str(row["benchmark"])
        if bench not in cache:
            cache[bench] = {p.id: p for p in load_benchmark(bench, data_dir=data_dir).problems}
        pid = str(row["problem_id"])
        if pid not in cache[bench]:
            raise DataError(
                f"row {i + 1}: benchmark {bench!r} has no problem {pid!r} (ids look like {next(iter(cache[bench]))!r})"
            )
        problem = cache[bench][pid]
        yield problem if "gold" not in row else replace(problem, target=str(row["gold"]))


def grade_rows(
    rows: list[dict[str, Any]],
    *,
    data_dir: Path | None = None,
    timeout: float = 10.0,
    workers: int = 0,
    on_progress: Any = None,
    verifier_options: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Grade each row; output rows keep the input fields and add status, extracted, detail, verifier_version.

    ``verifier_options`` maps a problem kind to its verifier's options (``[verify.<kind>]``).
    """
    from passbound.verify import GradingPool, configured_verifiers

    problems = list(_problems_for(rows, data_dir))
    configured = configured_verifiers({p.kind for p in problems}, verifier_options)
    versions = {kind: verifier.version for kind, verifier in configured.items()}  # looked up once per kind
    with GradingPool(timeout=timeout, workers=workers, verifiers=configured) as pool:
        results = pool.grade(problems, [r["completion"] for r in rows], on_progress=on_progress)
    return [
        {
            **row,
            "gold": problem.target,
            "status": result.status,
            "extracted": result.extracted,
            "detail": result.detail,
            "verifier_version": versions[problem.kind],
        }
        for row, problem, result in zip(rows, problems, results)
    ]


# About this many bytes of input per worker task (~10-20 ms of reading and extraction): shards
# spread over every worker, and one that overruns the hard timeout is cheap to split.
SHARD_BYTES = 1 << 20


def grade_file(
    in_file: Path,
    output: BinaryIO,
    *,
    data_dir: Path | None = None,
    timeout: float = 10.0,
    workers: int = 0,
    on_progress: Any = None,
    verifier_options: dict[str, dict[str, Any]] | None = None,
) -> Counter[str]:
    """Grade the rows of ``in_file`` into ``output`` (JSONL bytes) as :func:`grade_rows` would:
    the same rows with the same values, in input order; returns how many got each status.

    Workers read, check and extract their own shards of the file (passbound._grade_scan), and an
    output line is its input line with the verdict's fields appended, so the parent neither parses
    nor re-encodes long completions. A file with a row the plain path rejects, or one that cannot
    be read twice (a pipe), takes the plain path, which raises the usual error.
    """
    from passbound.verify import configured_verifiers
    from passbound.verify.pool import GradingPool, Task

    options = verifier_options or {}
    if not in_file.is_file():
        return _grade_plain(in_file, output, data_dir, timeout, workers, on_progress, options)
    data_dir_s = str(data_dir) if data_dir is not None else None
    configured = configured_verifiers({"math"}, options)
    with GradingPool(timeout=timeout, workers=workers, verifiers=configured) as pool:
        # The workers' first start imports math-verify (~1 s): this process reads shards meanwhile.
        starting = threading.Thread(target=_start, args=(pool,), daemon=True)
        starting.start()
        ranges = shards(in_file, SHARD_BYTES)
        early: dict[tuple[int, int], ShardScan] = {}
        while starting.is_alive() and len(early) < len(ranges) // 2:
            s, e = ranges[-1 - len(early)]
            early[s, e] = scan_shard(str(in_file), s, e, data_dir_s, options)
        starting.join()
        scans = _scan(pool, Task(scan_shard), in_file, ranges, early, data_dir_s, options, timeout)
        if scans is None:
            pool.close()
            return _grade_plain(in_file, output, data_dir, timeout, workers, on_progress, options)
        problems, answers, overrides = _assemble(scans, data_dir_s)
        kinds = {p.kind for p in problems} - set(configured)
        configured.update(configured_verifiers(kinds, options))
        pool.add_verifiers(configured)
        results = pool.grade_extracted(problems, answers, on_progress=on_progress)
    for i, result in overrides.items():
        results[i] = result
    versions = {kind: v.version for kind, v in configured.items()}
    return _write(in_file, output, scans, problems, results, versions)


def _start(pool: Any) -> None:
    with contextlib.suppress(Exception):  # grading starts them again and raises what went wrong
        pool.start(kinds=())


def _scan(
    pool: Any,
    task: Any,
    path: Path,
    ranges: list[tuple[int, int]],
    early: dict[tuple[int, int], ShardScan],
    data_dir: str | None,
    options: dict[str, dict[str, Any]],
    timeout: float,
) -> list[tuple[ShardScan, str]] | None:
    """Every shard scanned (``early``: those this process read itself), in file order, each with
    "" or the status all its rows take: a shard whose extraction overran the limit (or killed its
    worker) is split until that row is alone, then read again without extraction and graded
    "timeout" (or "error"). None: a bad row."""
    if any(scan.bad for scan in early.values()):
        return None
    done: dict[tuple[int, int], tuple[ShardScan, str]] = {k: (scan, "") for k, scan in early.items()}
    failed: dict[tuple[int, int], str] = {}
    todo = [(s, e, True) for s, e in ranges if (s, e) not in early]
    while todo:
        outcomes = pool.run_tasks(task, [(str(path), s, e, data_dir, options, extract) for s, e, extract in todo])
        retry = []
        for (s, e, extract), (status, value) in zip(todo, outcomes):
            if status == "ok":
                if value.bad:
                    return None
                done[s, e] = (value, failed.get((s, e), ""))
            elif not extract:  # the row without extraction cannot fail on a sound file
                raise DataError(f"{path}: could not read bytes {s}-{e}: {value}")
            elif (split := halves(path, s, e)) is not None:
                retry += [(a, b, True) for a, b in split]
            else:
                failed[s, e] = f"{status}: answer extraction " + (
                    f"took over {timeout:g}s (worker killed)" if status == "timeout" else f"failed ({value})"
                )
                retry.append((s, e, False))
        todo = retry
    return [done[k] for k in sorted(done)]


def _assemble(
    scans: list[tuple[ShardScan, str]], data_dir: str | None
) -> tuple[list[Problem], list[str | None], dict[int, GradeResult]]:
    """Per row of the file: its problem (one object per distinct problem), answer, and the
    verdict of a row whose extraction failed."""
    problems: list[Problem] = []
    answers: list[str | None] = []
    overrides: dict[int, GradeResult] = {}
    cache: dict[tuple[Any, ...], Problem] = {}
    for scan, failure in scans:
        local = []
        first: dict[int, int] = {}
        for r, p in enumerate(scan.prob):
            first.setdefault(p, r)
        for k, spec in enumerate(scan.problems):
            if spec not in cache:
                if spec[0] == "gold":  # named after its first row, as the plain path names each row
                    cache[spec] = Problem(
                        id=f"row-{len(problems) + first[k]}", benchmark="adhoc", prompt="", target=spec[1], kind=spec[2]
                    )
                else:
                    found = _problem(spec, data_dir)
                    assert found is not None, spec  # the worker found it in the same files
                    cache[spec] = found
            local.append(cache[spec])
        table = scan.answers
        if failure:
            status, detail = failure.split(": ", 1)
            for _ in scan.prob:
                overrides[len(answers)] = GradeResult(status, None, detail)
                answers.append(None)
        else:
            for a in scan.ans:
                if a == UNCLOSED:
                    overrides[len(answers)] = GradeResult("no_answer", None, REASONING_NOT_CLOSED)
                answers.append(table[a] if a >= 0 else None)
        problems.extend(local[p] for p in scan.prob)
    return problems, answers, overrides


def _write(
    path: Path,
    output: BinaryIO,
    scans: list[tuple[ShardScan, str]],
    problems: list[Problem],
    results: list[GradeResult],
    versions: dict[str, str],
) -> Counter[str]:
    """Each row's input line with gold (where it had none) and the verdict's fields appended."""
    tails: dict[tuple[Any, ...], bytes] = {}
    counts: Counter[str] = Counter()
    i = 0
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        data = memoryview(mm)
        for scan, _ in scans:
            parts: list[Any] = []
            for start, end, close, p in zip(scan.start, scan.end, scan.close, scan.prob):
                result, problem = results[i], problems[i]
                counts[result.status] += 1
                i += 1
                version = versions[problem.kind]
                if close < 0:  # a row with fields of its own that grading overwrites
                    row = json.loads(bytes(data[start:end]).decode("utf-8"))
                    line = {
                        **row,
                        "gold": problem.target,
                        "status": result.status,
                        "extracted": result.extracted,
                        "detail": result.detail,
                        "verifier_version": version,
                    }
                    parts.append(_encode(line) + b"\n")
                    continue
                gold = problem.target if scan.problems[p][0] == "ref" and scan.problems[p][3] is None else None
                key = (gold, result.status, result.extracted, result.detail, version)
                tail = tails.get(key)
                if tail is None:
                    tail = tails[key] = _tail(*key)
                parts += (data[start:close], tail)
            output.write(b"".join(parts))
            parts.clear()  # the views into the map must go before it closes
        data.release()
    return counts


def _tail(gold: str | None, status: str, extracted: str | None, detail: str, version: str) -> bytes:
    fields = ({"gold": gold} if gold is not None else {}) | {
        "status": status,
        "extracted": extracted,
        "detail": detail,
        "verifier_version": version,
    }
    return b"".join(b", " + _encode({k: v})[1:-1] for k, v in fields.items()) + b"}\n"


def _encode(value: Any) -> bytes:
    """JSON as UTF-8; a lone surrogate (which only an escape in the input can make) stays escaped."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def _grade_plain(
    in_file: Path,
    output: BinaryIO,
    data_dir: Path | None,
    timeout: float,
    workers: int,
    on_progress: Any,
    options: dict[str, dict[str, Any]],
) -> Counter[str]:
    rows = read_grade_rows(in_file)
    results = grade_rows(
        rows, data_dir=data_dir, timeout=timeout, workers=workers, on_progress=on_progress, verifier_options=options
    )
    output.write(b"".join(_encode(r) + b"\n" for r in results))
    return Counter(r["status"] for r in results)
