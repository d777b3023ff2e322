"""What every benchmark loader returns, and the checks all of them share.

A loaded benchmark carries a content hash of its problems (id, prompt, target) so that results
can be keyed to the exact data they were computed on (the evalplus habit): two loads of the same
file, or of the same pinned hub revision, give the same hash; any edit to a problem changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from passbound.errors import ConfigError, DataError
from passbound.types import Problem

from .files import find_split_file


@dataclass(frozen=True)
class LoadedBenchmark:
    """The problems of one benchmark split, with where they came from and their content hash."""

    name: str
    kind: str
    problems: tuple[Problem, ...]
    source: str  # "hub:<repo>@<revision>", "local:<abs path>" or "synthetic:<params>"
    sha256: str

    def __len__(self) -> int:
        return len(self.problems)

    def by_id(self) -> dict[str, Problem]:
        return {p.id: p for p in self.problems}


class BenchmarkEntry(Protocol):
    """The fields of a study's ``[[benchmarks]]`` entry, ``passbound.config.BenchmarkSpec`` (named
    by shape: the config imports the verifiers, which import benchmarks, so not the other way)."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def limit(self) -> int | None: ...
    @property
    def split(self) -> str | None: ...
    @property
    def options(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LoaderRequest:
    """What a loader is asked for: a study's ``[[benchmarks]]`` entry (``BenchmarkSpec``) plus the
    study's ``data_dir``, which the entry does not hold. One object, so a new field reaches every
    loader without changing their signatures.

    ``split`` None means the loader's own default (``split_or``); ``options`` is a copy the loader
    may read freely (an unknown key is the loader's to refuse).
    """

    name: str
    path: str | Path | None = None
    data_dir: str | Path | None = None
    limit: int | None = None
    split: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_limit(self.limit)
        object.__setattr__(self, "options", dict(self.options or {}))

    @classmethod
    def from_spec(cls, spec: BenchmarkEntry, *, data_dir: str | Path | None = None) -> LoaderRequest:
        """The request for a study's benchmark entry, with the study's ``data_dir``."""
        return cls(spec.name, spec.path, data_dir, spec.limit, spec.split, spec.options)

    def split_or(self, default: str) -> str:
        """The split asked for, or the loader's ``default`` when none was."""
        return self.split if self.split is not None else default


class BenchmarkLoader(Protocol):
    """What a registered benchmark factory is: a ``LoaderRequest`` in, a ``LoadedBenchmark`` out."""

    def __call__(self, request: LoaderRequest, /) -> LoadedBenchmark: ...


def content_sha256(problems: Iterable[Problem]) -> str:
    """SHA-256 of the problems' (id, prompt, target, and the bytes of their images), in order;
    metadata does not count. Text-only problems hash as they always did."""
    h = hashlib.sha256()
    for p in problems:
        fields: list[Any] = [p.id, p.prompt, p.target]
        if p.media:
            fields.append([media_digest(m) for m in p.media])
        h.update(json.dumps(fields, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def media_digest(path: str) -> str:
    """SHA-256 of an image file's bytes; ``missing:<name>`` for one not on disk (yet), so a
    benchmark whose images arrive later hashes differently once they do."""
    file = Path(path)
    if not file.is_file():
        return f"missing:{file.name}"
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise ConfigError(f"limit must be a positive integer (got {limit!r}); leave it out to use every problem.")


def finish(name: str, problems: list[Problem], source: str, limit: int | None, kind: str = "math") -> LoadedBenchmark:
    """Apply ``limit`` (first N problems, in the stable order) and hash what is kept."""
    check_limit(limit)
    kept = tuple(problems[:limit] if limit is not None else problems)
    return LoadedBenchmark(name=name, kind=kind, problems=kept, source=source, sha256=content_sha256(kept))


class IdChecker:
    """Remembers ids already seen in a file and fails on a repeat, naming both places."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._seen: dict[str, str] = {}

    def add(self, problem_id: str, where: str) -> None:
        first = self._seen.setdefault(problem_id, where)
        if first != where:
            raise DataError(
                f"{self.file}: duplicate id {problem_id!r} on {where} (first seen on {first}); "
                "problem ids must be unique — fix or remove one of the rows."
            )


def resolve_local_file(name: str, *, path: str | Path | None, data_dir: str | Path | None, split: str) -> Path | None:
    """The local file to read for ``name``, or None when the hub should be used.

    ``path`` may be a file or a benchmark folder (holding ``<split>.jsonl`` or similar);
    ``data_dir`` is a folder of benchmark folders laid out as ``<data_dir>/<name>/<split>.jsonl``.
    """
    if path is not None:
        p = Path(path).expanduser().resolve()
        if p.is_file():
            return p
        if p.is_dir():
            found = find_split_file(p, split)
            if found is None:
                raise DataError(
                    f"benchmark {name!r}: folder {p} has no {split}.jsonl / {split}.json / {split}.parquet "
                    f"(optionally .gz); put the '{split}' split there or give the file itself as path."
                )
            return found
        raise DataError(f"benchmark {name!r}: {p} does not exist; give an existing file or folder as path.")
    if data_dir is not None:
        root = Path(data_dir).expanduser().resolve()
        folder = root / name
        found = find_split_file(folder, split) if folder.is_dir() else None
        if found is None:
            tried = ", ".join(str(folder / f"{split}{s}") for s in (".jsonl", ".json", ".parquet"))
            raise DataError(
                f"benchmark {name!r}: no '{split}' file under --data-dir {root} (tried {tried}, and .gz variants). "
                f"Put the file at {folder}/{split}.jsonl, or point --data-dir at the folder holding {name}/."
            )
        return found
    return None


def as_text(value: Any) -> str:
    """A field value as a stripped string (numbers become their str form)."""
    return value.strip() if isinstance(value, str) else str(value).strip()
