"""Reading benchmark rows from local files, with errors that point at the bad line.

Benchmarks ship as JSONL (the Qwen2.5-Math / simpleRL evaluation layout), JSON (a list of rows,
or an ``{id: row}`` mapping as in MathVista), or Parquet (what the Hugging Face hub stores);
any of them may be gzipped. Each row comes back with a human label ("line 12", "row 3") so a
loader can say exactly where a field is missing.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from passbound.errors import DataError

# Suffixes we can read, most specific first (".jsonl.gz" before ".gz").
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".jsonl.gz",
    ".json.gz",
    ".parquet",
    ".jsonl",
    ".json",
    ".ndjson",
)


def file_format(path: Path) -> str:
    """Return the format key ("jsonl", "json" or "parquet") of ``path`` from its name."""
    name = path.name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if name.endswith(suffix):
            base = suffix.removesuffix(".gz").lstrip(".")
            return "jsonl" if base == "ndjson" else base
    raise DataError(f"{path}: unsupported file type; give a .jsonl, .json or .parquet file (optionally .gz).")


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")  # closed by the caller's with-block


def read_rows(path: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """Read every row of a benchmark file as ``(where, row)`` pairs, in file order.

    ``where`` is "line N" for JSONL (1-based, counting blank lines so editors agree) and
    "row N" for JSON and Parquet (1-based). Raises DataError for a missing, empty or
    malformed file, naming the file and the offending line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file. Check the path (or pass --data-dir to a folder of benchmarks).")
    fmt = file_format(path)
    try:
        if fmt == "jsonl":
            rows = list(_jsonl_rows(path))
        elif fmt == "json":
            rows = _json_rows(path)
        else:
            rows = _parquet_rows(path)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the file ({exc}); is it truncated or not {fmt}?") from exc
    if not rows:
        raise DataError(
            f"{path}: the file has no rows; it should hold one problem per {'line' if fmt == 'jsonl' else 'row'}."
        )
    return rows


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{path}: invalid JSON on line {lineno} ({exc.msg} at column {exc.colno}); "
                    "each line must be one JSON object."
                ) from exc
            if not isinstance(row, dict):
                raise DataError(
                    f"{path}: line {lineno} is a JSON {type(row).__name__}, not an object; "
                    "each line must be one JSON object with the problem's fields."
                )
            yield f"line {lineno}", row


def _json_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with _open_text(path) as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON on line {exc.lineno} ({exc.msg} at column {exc.colno}).") from exc
    if isinstance(data, dict):
        # {id: row} mappings keep their key as the row's id unless the row has one.
        items = []
        for key, row in data.items():
            if isinstance(row, dict):
                row = {"id": key, **row} if "id" not in row else row
            items.append(row)
        data = items
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of objects (or an {{id: object}} mapping).")
    rows = []
    for i, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise DataError(f"{path}: row {i} is a JSON {type(row).__name__}, not an object.")
        rows.append((f"row {i}", row))
    return rows


def _parquet_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc}).") from exc
    return [(f"row {i}", row) for i, row in enumerate(table.to_pylist(), start=1)]


def find_split_file(folder: Path, split: str) -> Path | None:
    """The file holding ``split`` inside a benchmark folder (``test.jsonl``, ``test.parquet``...)."""
    for suffix in SUPPORTED_SUFFIXES:
        candidate = folder / f"{split}{suffix}"
        if candidate.is_file():
            return candidate
    return None
