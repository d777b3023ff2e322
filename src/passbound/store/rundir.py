"""Run directory layout, atomic shard commits and resume bookkeeping.

Layout::

    RUN/
      manifest.json                       provenance: study, versions, data hashes, seeds
      study.toml                          the study as it was run (paths resolved)
      problems/<benchmark>.parquet        the problems each stage works on
      samples/<model>/<benchmark>/chunk-000003.parquet
      verdicts/<model>/<benchmark>/chunk-000003.parquet
      passk.csv, summary.csv, delta_se.csv, ..., summary.md, report.html, figures/

A shard is the unit of commitment: it is written under a temporary name, flushed, fsynced and
renamed into place, so a kill -9 at any moment leaves either the whole shard or nothing. A shard
that exists is done; the files are the ledger, so resuming needs no separate journal that could
disagree with them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from passbound.errors import RunDirError
from passbound.types import Problem, Sample, Verdict

SAMPLE_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("benchmark", pa.string()),
        ("problem_id", pa.string()),
        ("index", pa.int32()),
        ("text", pa.large_string()),
        ("finish_reason", pa.string()),
        ("n_tokens", pa.int32()),
        ("seed", pa.int64()),
        ("logprob", pa.float64()),
    ]
)
VERDICT_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("benchmark", pa.string()),
        ("problem_id", pa.string()),
        ("index", pa.int32()),
        ("status", pa.string()),
        ("extracted", pa.large_string()),
        ("verifier_version", pa.string()),
        ("detail", pa.string()),
    ]
)
PROBLEM_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("benchmark", pa.string()),
        ("prompt", pa.large_string()),
        ("target", pa.large_string()),
        ("kind", pa.string()),
        ("messages", pa.large_string()),  # JSON or null
        ("media", pa.list_(pa.string())),
        ("metadata", pa.large_string()),  # JSON
    ]
)
SHARD_KINDS = ("samples", "verdicts")
_CHUNK = re.compile(r"^chunk-(\d{6})\.parquet$")


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a failed write (full disk) leaves nothing behind
        raise


def atomic_write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file so that a reader (or a kill -9) never sees half of it: temp, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a failed write (full disk) leaves nothing behind
        raise
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def samples_to_table(samples: Sequence[Sample]) -> pa.Table:
    return pa.Table.from_pylist([s.__dict__ for s in samples], schema=SAMPLE_SCHEMA)


def verdicts_to_table(verdicts: Sequence[Verdict]) -> pa.Table:
    return pa.Table.from_pylist([v.__dict__ for v in verdicts], schema=VERDICT_SCHEMA)


def problems_to_table(problems: Sequence[Problem]) -> pa.Table:
    rows = [
        {
            "id": p.id,
            "benchmark": p.benchmark,
            "prompt": p.prompt,
            "target": p.target,
            "kind": p.kind,
            "messages": json.dumps(list(p.messages)) if p.messages is not None else None,
            "media": list(p.media),
            "metadata": json.dumps(p.metadata, default=str, sort_keys=True),
        }
        for p in problems
    ]
    return pa.Table.from_pylist(rows, schema=PROBLEM_SCHEMA)


def table_to_problems(table: pa.Table) -> list[Problem]:
    out = []
    for row in table.to_pylist():
        out.append(
            Problem(
                id=row["id"],
                benchmark=row["benchmark"],
                prompt=row["prompt"],
                target=row["target"],
                kind=row["kind"],
                messages=tuple(json.loads(row["messages"])) if row["messages"] else None,
                media=tuple(row["media"] or ()),
                metadata=json.loads(row["metadata"] or "{}"),
            )
        )
    return out


class RunDir:
    """A run directory: shards, problems, manifest and the analysis outputs.

    ``location`` is a local path or an object-storage URI (``s3://bucket/run``); for a URI,
    ``path`` is this process's local working copy and every commit is also an upload (see
    ``passbound.store.remote``). ``pull`` limits what a worker downloads (e.g. its model's samples).
    """

    def __init__(self, location: str | Path, *, pull: Sequence[str] = ("",)) -> None:
        from passbound.store.remote import RemoteRun, is_uri

        self.remote: RemoteRun | None = None
        if is_uri(location):
            self.remote = RemoteRun(str(location))
            self.location = self.remote.uri
            self.path = self.remote.local
            self.remote.pull(pull)
        else:
            self.path = Path(location)
            self.location = str(self.path)

    def __str__(self) -> str:
        return self.location

    def _committed(self, path: Path) -> Path:
        """After a local atomic write: the upload that commits it remotely (object storage only)."""
        if self.remote is not None:
            self.remote.push(path)
        return path

    def sync(self) -> None:
        """Upload outputs written straight into ``path`` (tables, report): stages call it at their end."""
        if self.remote is not None:
            self.remote.sync()

    def pull(self, prefixes: Sequence[str] = ("",)) -> None:
        """Fetch what other processes (Ray workers) committed remotely since this copy was made."""
        if self.remote is not None:
            self.remote.pull(prefixes)

    # ---- paths -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def shard_path(self, kind: str, model: str, benchmark: str, chunk: int) -> Path:
        assert kind in SHARD_KINDS, kind
        return self.path / kind / model / benchmark / f"chunk-{chunk:06d}.parquet"

    def problems_path(self, benchmark: str) -> Path:
        return self.path / "problems" / f"{benchmark}.parquet"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    # ---- manifest ----------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            raise RunDirError(
                f"{self.path} is not a passbound run directory (no manifest.json); "
                "pass a run directory created by `passbound run`/`sample`, or a study .toml file"
            )
        try:
            return json.loads(self.manifest_path.read_text())
        except json.JSONDecodeError as exc:
            raise RunDirError(
                f"{self.manifest_path} is corrupt ({exc}); restore it or start a new run directory"
            ) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = dict(manifest, updated=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        _atomic_write_bytes(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True, default=str).encode())
        self._committed(self.manifest_path)

    def update_manifest(self, **fields: Any) -> dict[str, Any]:
        manifest = self.read_manifest() if self.exists() else {}
        manifest.update(fields)
        self.write_manifest(manifest)
        return manifest

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode())

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write_bytes(path, data)
        return self._committed(path)

    # ---- problems ----------------------------------------------------------------------
    def write_problems(self, benchmark: str, problems: Sequence[Problem]) -> None:
        atomic_write_table(self.problems_path(benchmark), problems_to_table(problems))
        self._committed(self.problems_path(benchmark))

    def read_problems(self, benchmark: str) -> list[Problem]:
        path = self.problems_path(benchmark)
        if not path.is_file():
            raise RunDirError(f"{path} is missing: run `passbound sample` first so the problems are recorded")
        return table_to_problems(pq.read_table(path))

    def benchmarks(self) -> list[str]:
        folder = self.path / "problems"
        return sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []

    # ---- shards ------------------------------------------------------------------------
    def has_shard(self, kind: str, model: str, benchmark: str, chunk: int) -> bool:
        return self.shard_path(kind, model, benchmark, chunk).is_file()

    def write_shard(self, kind: str, model: str, benchmark: str, chunk: int, table: pa.Table) -> Path:
        path = self.shard_path(kind, model, benchmark, chunk)
        atomic_write_table(path, table)
        return self._committed(path)

    def chunks(self, kind: str, model: str, benchmark: str) -> list[int]:
        folder = self.path / kind / model / benchmark
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _CHUNK.match(p.name)))

    def chunks_any(self, kind: str) -> bool:
        """Whether any shard of ``kind`` is committed, for any model and benchmark."""
        root = self.path / kind
        return root.is_dir() and any(_CHUNK.match(p.name) for p in root.glob("*/*/chunk-*.parquet"))

    def read_shard(
        self, kind: str, model: str, benchmark: str, chunk: int, columns: list[str] | None = None
    ) -> pa.Table:
        schema = SAMPLE_SCHEMA if kind == "samples" else VERDICT_SCHEMA
        return pq.read_table(self.shard_path(kind, model, benchmark, chunk), columns=columns, schema=schema)

    def read_all(
        self,
        kind: str,
        models: Iterable[str] | None = None,
        benchmarks: Iterable[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """Concatenate every committed shard of ``kind`` (optionally filtered; only ``columns`` if
        given, so reading lengths of samples never loads their texts)."""
        schema = SAMPLE_SCHEMA if kind == "samples" else VERDICT_SCHEMA
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        root = self.path / kind
        tables = []
        wanted_models = set(models) if models is not None else None
        wanted_benches = set(benchmarks) if benchmarks is not None else None
        if root.is_dir():
            for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
                if wanted_models is not None and model_dir.name not in wanted_models:
                    continue
                for bench_dir in sorted(p for p in model_dir.iterdir() if p.is_dir()):
                    if wanted_benches is not None and bench_dir.name not in wanted_benches:
                        continue
                    for chunk in self.chunks(kind, model_dir.name, bench_dir.name):
                        tables.append(
                            pq.read_table(
                                self.shard_path(kind, model_dir.name, bench_dir.name, chunk),
                                schema=schema,
                                columns=None if columns is None else list(columns),
                            )
                        )
        return pa.concat_tables(tables) if tables else schema.empty_table()

    def count_rows(self, kind: str, models: Iterable[str]) -> int:
        """Rows committed for ``models`` (from Parquet footers, without reading the data)."""
        total = 0
        for model in models:
            folder = self.path / kind / model
            if folder.is_dir():
                for bench in (p.name for p in folder.iterdir() if p.is_dir()):
                    total += sum(
                        pq.read_metadata(self.shard_path(kind, model, bench, c)).num_rows
                        for c in self.chunks(kind, model, bench)
                    )
        return total

    def clean_temp_files(self) -> int:
        """Remove leftovers of writes that were killed before their rename."""
        removed = 0
        if self.path.is_dir():
            for tmp in self.path.rglob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed
