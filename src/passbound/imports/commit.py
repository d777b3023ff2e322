"""`passbound import`: completions made elsewhere become a study model's samples.

Everything is checked before anything is written (unknown problems, missing texts, duplicate or
missing indices, a question text that does not match the problem a position points to); then the
samples are committed as ordinary shards, one per chunk of problems, so `verify`, `analyse` and
`report` treat them like sampled ones. A chunk the file covers only in part is completed by the
sample stage, which samples just the problems that are missing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from passbound.config import StudyConfig
from passbound.errors import ConfigError, DataError, RunDirError
from passbound.imports.formats import FORMATS, ImportedRow, pick_lm_eval_filter
from passbound.store import RunDir
from passbound.types import Problem, Sample

_SHOWN = 5  # offending rows named in one error message


@dataclass(frozen=True)
class ImportSummary:
    model: str
    rows: int
    problems: dict[str, int]  # benchmark -> problems imported
    chunks: int
    partial_chunks: int  # chunks the sample stage still has to complete
    lm_eval_filters: tuple[str | None, ...] = ()  # the filters an lm-eval file logged its generations under


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _fail(what: str, examples: list[str], fix: str) -> DataError:
    examples = list(dict.fromkeys(examples))  # a file line with several generations (lm-eval) reports once
    more = f" (and {len(examples) - _SHOWN} more)" if len(examples) > _SHOWN else ""
    return DataError(f"{what}: {'; '.join(examples[:_SHOWN])}{more}. {fix}. Nothing was imported.")


def _resolve(
    rows: list[ImportedRow],
    problems: dict[str, list[Problem]],
    default_benchmark: str | None,
    by: str,
    check_question: bool,
) -> dict[tuple[str, str], dict[int, ImportedRow]]:
    """Match every row to a study problem; (benchmark, problem id) -> index -> row."""
    unknown_bench, unknown, mismatched, duplicated = [], [], [], []
    out: dict[tuple[str, str], dict[int, ImportedRow]] = defaultdict(dict)
    by_id = {b: {p.id: p for p in listed} for b, listed in problems.items()}
    for row in rows:
        benchmark = row.benchmark or default_benchmark
        if benchmark is None:
            unknown_bench.append(f"{row.where} names no benchmark")
            continue
        if default_benchmark is not None and row.benchmark is not None and row.benchmark != default_benchmark:
            unknown_bench.append(f"{row.where} is benchmark {row.benchmark!r}, not --benchmark {default_benchmark!r}")
            continue
        if benchmark not in problems:
            unknown_bench.append(f"{row.where}: benchmark {benchmark!r}")
            continue
        listed = problems[benchmark]
        if by == "position":
            position = _position(row.key)
            problem = listed[position] if position is not None and position < len(listed) else None
        else:
            problem = by_id[benchmark].get(str(row.key))
        if problem is None:
            unknown.append(f"{row.where}: {benchmark} problem {row.key!r}")
            continue
        if check_question and row.question is not None and _normal(row.question) != _normal(problem.prompt):
            mismatched.append(
                f"{row.where}: position {row.key} of {benchmark} is problem {problem.id!r}, whose "
                f"statement begins {_normal(problem.prompt)[:60]!r}, but the file's question begins "
                f"{_normal(row.question)[:60]!r}"
            )
            continue
        seen = out[(benchmark, problem.id)]
        if row.index in seen:
            duplicated.append(
                f"{benchmark} problem {problem.id!r} index {row.index} at {seen[row.index].where} and {row.where}"
            )
            continue
        seen[row.index] = row
    if unknown_bench:
        raise _fail(
            "rows name benchmarks that are not in this study",
            unknown_bench,
            f"The study's benchmarks are {', '.join(sorted(problems))}; pass --benchmark or fix the rows",
        )
    if unknown:
        how = "positions in the benchmark's problem list" if by == "position" else "problem ids"
        raise _fail(
            f"rows name problems this study does not have ({how})",
            unknown,
            "Check the benchmark, its limit, and --ids (id or position)",
        )
    if mismatched:
        raise _fail(
            "a position points to a different problem than the file's question",
            mismatched,
            "The file's dataset order differs from the study's: use --ids id with a matching id field, or "
            "--no-check-question if the statements are only formatted differently",
        )
    if duplicated:
        raise _fail("duplicate sample indices", duplicated, "Each (problem, index) must appear once")
    return out


def _position(key: str | int) -> int | None:
    """A dataset position: a non-negative int, or a string of ASCII digits; None otherwise."""
    if isinstance(key, int):
        return key if key >= 0 else None
    return int(key) if re.fullmatch(r"[0-9]{1,18}", key) else None


def _check_positions_checkable(rows: list[ImportedRow]) -> None:
    """A position is only trusted when its row's question text can confirm it: a file in another
    dataset order would otherwise be graded against other problems' answers without a word."""
    blind = [row.where for row in rows if row.question is None]
    if blind:
        raise _fail(
            "rows name problems by position but carry no question text to check the position against "
            "(a 'problem', 'question' or 'prompt' field)",
            blind,
            "Pass --no-check-question if the file's order is the study's, or --ids id with a matching id field",
        )


def _check_indices(matched: dict[tuple[str, str], dict[int, ImportedRow]], n: int, model: str) -> None:
    missing, beyond = [], []
    for (benchmark, pid), by_index in matched.items():
        want = set(range(n))
        if set(by_index) - want:
            beyond.append(f"{benchmark} problem {pid!r} has index {max(by_index)}")
        gaps = sorted(want - set(by_index))
        if gaps:
            missing.append(f"{benchmark} problem {pid!r} lacks {len(gaps)} of indices 0..{n - 1} (first: {gaps[0]})")
    if beyond:
        raise _fail(
            f"indices beyond the study's n = {n} for model {model!r}",
            beyond,
            "Set [sampling] n to the number of samples per problem",
        )
    if missing:
        raise _fail(
            f"missing sample indices (the study's n = {n} for model {model!r})",
            missing,
            "Import every index 0..n-1 of each problem, or lower n",
        )


def _check_chunk_free(run: RunDir, model: str, benchmark: str, chunk: int) -> None:
    """A chunk an import writes must hold neither samples nor verdicts of ``model``: verdicts left
    from deleted samples have the same keys and row count, so verify would take them for current."""
    fix = (
        f"import into a new model name, or delete both {run.path / 'samples' / model} and "
        f"{run.path / 'verdicts' / model} first. Nothing was imported."
    )
    if run.has_shard("samples", model, benchmark, chunk):
        raise RunDirError(
            f"{run.shard_path('samples', model, benchmark, chunk)} already holds samples of model {model!r}; {fix}"
        )
    if run.has_shard("verdicts", model, benchmark, chunk):
        raise RunDirError(
            f"{run.shard_path('verdicts', model, benchmark, chunk)} holds verdicts of samples of "
            f"model {model!r} that are no longer there; they would pass for the imported samples' "
            f"verdicts: {fix}"
        )


def _commit(study: StudyConfig, model: str, shards: list[tuple[str, int, pa.Table]], entry: dict[str, Any]) -> None:
    """Write the shards and the manifest's import entry. An OSError on the way (a full disk, a file
    where a folder should be) removes the shards written so far, so the retry is not refused as a
    second import of the same chunks."""
    from passbound.stages import prepare_run
    from passbound.stages.prepare import record_versions

    written: list[Path] = []
    try:
        run = prepare_run(study)
        for bench, index, table in shards:
            written.append(run.write_shard("samples", model, bench, index, table))
        manifest = run.read_manifest()
        run.update_manifest(imports=[*manifest.get("imports", []), entry])
        if not manifest.get("engine_versions", {}).get(model):
            record_versions(run, "engine_versions", {model: f"imported ({entry['format']})"})
    except OSError as exc:
        for shard in written:
            shard.unlink(missing_ok=True)
        raise RunDirError(
            f"cannot write the import into {study.output}: {exc}. The samples it had written were "
            "removed; fix the cause and import again."
        ) from None


def _recorded_settings(rows: list[ImportedRow]) -> dict[str, Any]:
    """The sampling settings the file states for its rows, in passbound's names: what the report
    shows for the imported model (a setting the file does not state is unknown, never the study's
    default). One the rows disagree on, or that only some rows state, is "varies"."""
    seen: dict[str, set[str]] = defaultdict(set)
    stated: dict[str, int] = defaultdict(int)
    for row in rows:
        for key, value in row.settings:
            seen[key].add(json.dumps(value))
            stated[key] += 1
    return {
        key: json.loads(next(iter(values))) if len(values) == 1 and stated[key] == len(rows) else "varies"
        for key, values in sorted(seen.items())
    }


def import_samples(
    study: StudyConfig,
    model: str,
    path: Path,
    *,
    fmt: str = "jsonl",
    benchmark: str | None = None,
    ids: str | None = None,
    check_question: bool = True,
    lm_eval_filter: str | None = None,
) -> ImportSummary:
    """Validate ``path`` against ``study`` and commit its rows as ``model``'s samples.

    ``lm_eval_filter`` names the filter whose lines hold the samples when an lm-eval file's
    filters logged different generations (see ``pick_lm_eval_filter``)."""
    from passbound.benchmarks import LoaderRequest, load_request
    from passbound.stages.sample import chunked
    from passbound.store.rundir import samples_to_table

    if fmt not in FORMATS:
        raise ConfigError(f"unknown import format {fmt!r}; choose one of {', '.join(FORMATS)}")
    reader, natural = FORMATS[fmt]
    by = {"id": "id", "position": "position", None: natural}.get(ids)
    if by is None:
        raise ConfigError(f"--ids must be 'id' or 'position', got {ids!r}")
    spec = study.model(model)
    if benchmark is not None and benchmark not in {b.name for b in study.benchmarks}:
        raise ConfigError(
            f"--benchmark {benchmark!r} is not in the study; its benchmarks: "
            f"{', '.join(b.name for b in study.benchmarks)}"
        )
    if not path.is_file():
        raise DataError(f"{path} does not exist or is not a file")
    if benchmark is None and fmt != "jsonl":
        raise ConfigError(f"format {fmt!r} does not name its benchmark in the rows: pass --benchmark NAME")
    if lm_eval_filter is not None and fmt != "lm-eval":
        raise ConfigError(f"--lm-eval-filter goes with --format lm-eval, not {fmt!r}")
    rows = list(reader(path))
    filters: list[str | None] = []
    if fmt == "lm-eval" and rows:
        rows, filters = pick_lm_eval_filter(rows, lm_eval_filter)
    if not rows:
        raise DataError(f"{path} holds no completions. Nothing was imported.")
    if by == "position":
        bad = [f"{r.where}: {r.key!r}" for r in rows if _position(r.key) is None]
        if bad:
            raise _fail(
                "--ids position needs non-negative integer positions",
                bad,
                "Use --ids id if the file names problems by id",
            )
        if check_question:
            _check_positions_checkable(rows)
    loaded = {
        b.name: list(load_request(LoaderRequest.from_spec(b, data_dir=study.data_dir)).problems)
        for b in study.benchmarks
    }
    matched = _resolve(rows, loaded, benchmark, by, check_question)
    n = study.sampling.for_model(spec).n
    _check_indices(matched, n, model)

    # Build every shard before anything is written: the run directory is only touched
    # (prepare_run: manifest, problems) once the whole file is known to import.
    existing = RunDir(study.output)
    shards = []  # (benchmark, chunk index, table, whole chunk covered?)
    for bench in sorted({b for b, _ in matched}):
        for index, chunk in enumerate(chunked(loaded[bench], study.sampling.chunk_size)):
            covered = [p for p in chunk if (bench, p.id) in matched]
            if not covered:
                continue
            _check_chunk_free(existing, model, bench, index)
            samples = [
                Sample(model, bench, p.id, j, r.text, r.finish_reason, r.n_tokens, None, None)
                for p in covered
                for j, r in sorted(matched[(bench, p.id)].items())
            ]
            try:
                table = samples_to_table(samples)
            except (pa.ArrowException, UnicodeError, OverflowError) as exc:
                raise DataError(f"{path}: a row of {bench} cannot be stored ({exc}). Nothing was imported.") from None
            shards.append((bench, index, table, len(covered) == len(chunk)))
    problems: dict[str, int] = defaultdict(int)
    for bench, _ in matched:
        problems[bench] += 1
    entry = {
        "model": model,
        "file": str(path.resolve()),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": fmt,
        "rows": len(rows),
        "problems": dict(problems),
        "sampling": _recorded_settings(rows),
        "imported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if fmt == "lm-eval":
        entry.update(lm_eval_filters=filters, lm_eval_filter=rows[0].variant)
    _commit(study, model, [(bench, index, table) for bench, index, table, _ in shards], entry)
    return ImportSummary(
        model, len(rows), dict(problems), len(shards), sum(1 for *_, whole in shards if not whole), tuple(filters)
    )
