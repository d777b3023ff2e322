"""Grade ad-hoc completions with exactly the verifier a study uses ("why was this marked wrong?")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from passbound.errors import DataError
from passbound.types import Problem


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
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg}); each line must be one JSON object") from None
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
            yield Problem(id=f"row-{i}", benchmark="adhoc", prompt="", target=str(row["gold"]), kind=row.get("kind", "math"))
            continue
        bench = str(row["benchmark"])
        if bench not in cache:
            cache[bench] = {p.id: p for p in load_benchmark(bench, data_dir=data_dir).problems}
        pid = str(row["problem_id"])
        if pid not in cache[bench]:
            raise DataError(f"row {i + 1}: benchmark {bench!r} has no problem {pid!r} (ids look like {next(iter(cache[bench]))!r})")
        problem = cache[bench][pid]
        yield problem if "gold" not in row else replace(problem, target=str(row["gold"]))


def grade_rows(rows: list[dict[str, Any]], *, data_dir: Path | None = None, timeout: float = 10.0, workers: int = 0,
               on_progress: Any = None, verifier_options: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
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
        {**row, "gold": problem.target, "status": result.status, "extracted": result.extracted,
         "detail": result.detail, "verifier_version": versions[problem.kind]}
        for row, problem, result in zip(rows, problems, results)
    ]
