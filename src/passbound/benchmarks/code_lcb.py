"""LiveCodeBench code generation problems (Jain et al. 2024), as Yue et al. (2025) used them.

The study evaluates on LiveCodeBench v5 problems released 2024-08-01 .. 2025-01-31 (279).

* Local file: DeepCoder/rllm's ``livecodebench.json`` (a JSON list of ``problem``,
  ``starter_code``, ``tests``), built from release_v5 with that window but holding only the
  **public** tests (1-6 per problem) and no ids, dates or platforms. Those tests are the worked
  examples of the statement, so every problem is ``visible_tests_only`` and its pass rate an
  upper bound on the official one. Ids are the row index; ``fn_name`` is read from the starter code.
* Hub: livecodebench/code_generation_lite at a pinned commit, read file by file
  (``test.jsonl`` .. ``test5.jsonl`` for release_v5, as its loading script ``ALLOWED_FILES``
  maps them) with ``huggingface_hub``, or from a local folder holding those files (or any one
  of them given as ``path``); every test, public and private.

The private tests on the hub are ``base64(zlib(pickle(json_text)))``. LiveCodeBench decodes
them with ``pickle.loads``, which runs whatever the stream says; here the pickle stream is only
*parsed* (``pickletools.genops``, which executes nothing) and accepted when it is a single
string, which is then read as JSON. Anything else is refused with a DataError.

Metadata of every problem: ``tests`` ([{input, output, testtype: "stdin"|"functional"}]),
``fn_name`` (the method a functional test calls, "" for stdin problems), ``starter_code``,
``platform``, ``difficulty``, ``contest_date`` (None where unknown), ``public_tests_only`` (the
file had no private tests) and ``visible_tests_only`` (every test is shown in the prompt, see
``benchmarks.visible``; a hub row whose private tests are empty is one too).
"""

from __future__ import annotations

import base64
import json
import pickletools
import re
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError, DataError
from passbound.registry import require

from ._hub import HubSource
from .math import MissingField, ParsedRow
from .visible import KEY as VISIBLE_KEY
from .visible import every_test_shown

# Commit "feat: release_v5" (2025-01-14) of livecodebench/code_generation_lite.
LCB_HUB = HubSource("livecodebench/code_generation_lite", "0687ab61843a90a0cc864a2b67db729861cd0ae5")
LCB_VERSION_FILES: dict[str, tuple[str, ...]] = {
    f"release_v{n}": tuple("test.jsonl" if i == 1 else f"test{i}.jsonl" for i in range(1, n + 1)) for n in range(1, 6)
}
LCB_VERSION_FILES.update({f"v{n}": ("test.jsonl" if n == 1 else f"test{n}.jsonl",) for n in range(1, 6)})
STUDY_WINDOW = ("2024-08-01", "2025-02-01")  # [start, end): Yue et al. 2025 / DeepCoder's v5 subset
TEST_TYPES = ("stdin", "functional")


# ----------------------------------------------------------------- tests and names


def _tests(value: Any, name: str, *, allow_empty: bool = False) -> list[dict[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise MissingField(name, why=f"is not valid JSON ({exc.msg})") from None
    if not isinstance(value, list) or not (value or allow_empty):
        raise MissingField(name, why="is not a non-empty list of tests")
    tests = []
    for i, t in enumerate(value):
        if not isinstance(t, dict) or not isinstance(t.get("input"), str) or not isinstance(t.get("output"), str):
            raise MissingField(name, why=f"test {i} has no string 'input' and 'output'")
        if t.get("testtype") not in TEST_TYPES:
            raise MissingField(name, why=f"test {i} has testtype {t.get('testtype')!r}, not one of {TEST_TYPES}")
        tests.append({"input": t["input"], "output": t["output"], "testtype": t["testtype"]})
    return tests


_METHOD = re.compile(r"^\s+def\s+(\w+)\s*\(\s*self\b", re.MULTILINE)
_FUNCTION = re.compile(r"^def\s+(\w+)\s*\(", re.MULTILINE)


def fn_name_from_starter(starter_code: str) -> str:
    """The method LeetCode calls: the first ``def name(self, ...)`` of ``class Solution``."""
    code = "\n".join(line for line in starter_code.splitlines() if not line.lstrip().startswith("#"))
    cls = code.find("class Solution")
    match = _METHOD.search(code, cls) if cls >= 0 else None
    match = match or _FUNCTION.search(code)
    return match.group(1) if match else ""


def _prompt(content: str, starter_code: str) -> str:
    """The statement, then the starter code (if any) in a fenced block, as LCB shows it."""
    content = content.strip()
    if not starter_code.strip():
        return content
    return f"{content}\n\nStarter code:\n```python\n{starter_code.rstrip()}\n```"


def _platform_guess(content: str, starter_code: str) -> str | None:
    if "class Solution" in starter_code:
        return "leetcode"
    if "The input is given from Standard Input" in content:
        return "atcoder"
    return None


# ----------------------------------------------------------------- row parser (both layouts)


def parse_livecodebench(row: dict[str, Any]) -> ParsedRow:
    """A DeepCoder local row (problem/starter_code/tests) or a hub row (question_content/...)."""
    if "question_content" in row:
        return _parse_hub_row(row)
    content = row.get("problem")
    if not isinstance(content, str) or not content.strip():
        raise MissingField("problem")
    starter = row.get("starter_code") or ""
    tests = _tests(row.get("tests"), "tests")
    functional = tests[0]["testtype"] == "functional"
    fn_name = fn_name_from_starter(starter) if functional else ""
    if functional and not fn_name:
        raise MissingField("starter_code", why="has functional tests but no 'def name(self, ...)' to call")
    prompt = _prompt(content, starter)
    return ParsedRow(
        id=None,
        prompt=prompt,
        target="",
        metadata={
            "tests": tests,
            "fn_name": fn_name,
            "starter_code": starter,
            "platform": _platform_guess(content, starter),
            "difficulty": None,
            "contest_date": None,
            "public_tests_only": True,
            VISIBLE_KEY: every_test_shown(prompt, tests),
            "question_content": content.strip(),
        },
    )


def _parse_hub_row(row: dict[str, Any]) -> ParsedRow:
    content = row.get("question_content")
    qid = row.get("question_id")
    if not isinstance(content, str) or not content.strip():
        raise MissingField("question_content")
    if qid is None or not str(qid).strip():
        raise MissingField("question_id")
    starter = row.get("starter_code") or ""
    tests = _tests(row.get("public_test_cases"), "public_test_cases")
    private = row.get("private_test_cases")
    if private:
        try:
            decoded = decode_private_tests(private)
        except ValueError as exc:
            raise MissingField("private_test_cases", why=str(exc)) from None
        tests += _tests(decoded, "private_test_cases", allow_empty=True)
    meta = row.get("metadata") or {}
    if isinstance(meta, str):
        try:
            meta = json.loads(meta) if meta.strip() else {}
        except json.JSONDecodeError:
            raise MissingField("metadata", why="is not valid JSON") from None
    functional = tests[0]["testtype"] == "functional"
    fn_name = str(meta.get("func_name") or "") or (fn_name_from_starter(starter) if functional else "")
    prompt = _prompt(content, starter)
    return ParsedRow(
        id=str(qid).strip(),
        prompt=prompt,
        target="",
        metadata={
            "tests": tests,
            "fn_name": fn_name,
            "starter_code": starter,
            "platform": row.get("platform"),
            "difficulty": row.get("difficulty"),
            "contest_date": _iso(row.get("contest_date")),
            "public_tests_only": False,
            VISIBLE_KEY: every_test_shown(prompt, tests),
            "question_content": content.strip(),
            "question_title": row.get("question_title"),
            "contest_id": row.get("contest_id"),
        },
    )


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# ----------------------------------------------------------------- private tests, without unpickling

# Bound on one problem's inflated private tests: far above the hub's largest, far below a bomb's.
MAX_PRIVATE_BYTES = 1 << 30
_SAFE_PICKLE_OPS = frozenset({"PROTO", "FRAME", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "STOP"})
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"})


def decode_private_tests(value: str) -> list[Any]:
    """LiveCodeBench's private tests as a JSON list: plain JSON, or base64+zlib+pickled JSON text.

    The pickle is parsed, never loaded: only a stream that is one string (plus framing and
    memo opcodes) is accepted, so a crafted file cannot run code here. Raises ValueError
    saying what is wrong with anything else.
    """
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.b64decode(value.encode("ascii"), validate=True), MAX_PRIVATE_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"is neither JSON nor base64+zlib data ({exc})") from None
    if len(raw) > MAX_PRIVATE_BYTES:
        raise ValueError(f"inflates to more than {MAX_PRIVATE_BYTES >> 20} MiB (a decompression bomb?)")
    text = None
    try:
        for op, arg, _pos in pickletools.genops(raw):
            if op.name in _STRING_OPS and text is None:
                text = arg
            elif op.name not in _SAFE_PICKLE_OPS:
                raise ValueError(f"holds a pickle with opcode {op.name}; only a pickled string is accepted")
    except EOFError as exc:
        raise ValueError(f"is not a complete pickle stream ({exc})") from None
    if not isinstance(text, str):
        raise ValueError("holds a pickle without a JSON string")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"decodes to text that is not JSON ({exc.msg})") from None


# ----------------------------------------------------------------- date window and hub


def _day(value: Any, option: str) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise ConfigError(f"livecodebench option {option}={value!r} is not a date; write it as YYYY-MM-DD.") from None


def date_window(options: dict[str, Any], default: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """``start_date`` (inclusive) and ``end_date`` (exclusive) as ISO days, or None for open."""
    start = options.get("start_date", default[0])
    end = options.get("end_date", default[1])
    return (None if start is None else _day(start, "start_date"), None if end is None else _day(end, "end_date"))


def filter_lcb_rows(
    rows: list[tuple[str, dict[str, Any]]], options: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Keep rows whose ``contest_date`` lies in the window; a file without dates needs no window."""
    dated = any("contest_date" in row for _, row in rows)
    if not dated:
        if "start_date" in options or "end_date" in options:
            raise ConfigError(
                "livecodebench: this file has no contest dates (the DeepCoder file is already the "
                f"{STUDY_WINDOW[0]}..{STUDY_WINDOW[1]} window); drop start_date/end_date or load the hub copy."
            )
        return rows
    start, end = date_window(options, STUDY_WINDOW)
    kept = []
    for where, row in rows:
        day = str(_iso(row.get("contest_date")) or "")[:10]
        if (start is None or day >= start) and (end is None or day < end):
            kept.append((where, row))
    return kept


def _line_date(line: str) -> str | None:
    """The contest day of a raw JSONL row without parsing it (rows carry megabytes of tests)."""
    at = line.find('"contest_date": "')
    return line[at + 17 : at + 27] if at >= 0 else None


def _version_files(options: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    tag = str(options.get("version_tag", "release_v5"))
    if tag not in LCB_VERSION_FILES:
        raise ConfigError(f"livecodebench version_tag {tag!r} is not one of: {', '.join(LCB_VERSION_FILES)}.")
    return tag, LCB_VERSION_FILES[tag]


def _stream_hub_file(
    file: Path, label: str, window: tuple[str | None, str | None], rows: list[tuple[str, dict[str, Any]]]
) -> None:
    """Append the rows of one code_generation_lite JSONL file whose contest day is in ``window``."""
    start, end = window
    with open(file, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row: dict[str, Any] | None = None
            day = _line_date(line)
            if day is None:  # no plain "contest_date" key: the parsed row says
                row = _object(line, file, lineno)
                day = str(row.get("contest_date") or "")[:10]
            if (start is None or day >= start) and (end is None or day < end):
                rows.append((f"{label} line {lineno}", row if row is not None else _object(line, file, lineno)))


def _object(line: str, file: Path, lineno: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        row = None
    if not isinstance(row, dict):
        raise DataError(f"{file}: line {lineno} is not one JSON object; is the download complete?")
    return row


def load_lcb_hub_rows(options: dict[str, Any], name: str) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """Rows of the pinned hub files for ``version_tag`` (default release_v5), streamed line by line.

    The date window is applied while reading, so only the problems kept are decoded.
    """
    tag, files = _version_files(options)
    hub = require("huggingface_hub", "hub", f"loading benchmark {name!r} from the Hugging Face hub")
    window = date_window(options, STUDY_WINDOW)
    rows: list[tuple[str, dict[str, Any]]] = []
    for file_name in files:
        try:
            local = hub.hf_hub_download(LCB_HUB.repo, file_name, repo_type="dataset", revision=LCB_HUB.revision)
        except Exception as exc:  # network, auth, missing revision: all mean "could not get the data"
            raise DataError(
                f"benchmark {name!r}: could not download {file_name} of {LCB_HUB.repo}@{LCB_HUB.revision}: {exc}. "
                "Without network access, use the local public-tests file with --data-dir."
            ) from exc
        _stream_hub_file(Path(local), file_name, window, rows)
    return rows, f"{LCB_HUB.describe()}:{tag}:{window[0] or ''}..{window[1] or ''}"


_NUMBERED = re.compile(r"^test([2-9]|[1-9]\d+)\.jsonl$")


def load_lcb_folder_rows(
    path: str | Path | None, data_dir: str | Path | None, options: dict[str, Any], name: str
) -> tuple[list[tuple[str, dict[str, Any]]], str, str] | None:
    """Rows of a local copy of code_generation_lite (its ``test.jsonl`` .. ``test5.jsonl``, private
    tests included) in the folder ``path`` or ``<data_dir>/<name>/``; None when that folder is not one.

    A folder is a hub copy when it holds a ``test<N>.jsonl`` (N >= 2) or ``version_tag`` is set;
    every file of the version is then required, since a missing one would silently drop problems.
    """
    folder = None
    if path is not None and Path(path).expanduser().is_dir():
        folder = Path(path).expanduser().resolve()
    elif path is None and data_dir is not None:
        folder = Path(data_dir).expanduser().resolve() / name
    if folder is None or not folder.is_dir():
        return None
    if "version_tag" not in options and not any(_NUMBERED.match(f.name) for f in folder.iterdir()):
        return None
    tag, files = _version_files(options)
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise DataError(
            f"benchmark {name!r}: {folder} lacks {', '.join(missing)} of {LCB_HUB.repo} version_tag {tag!r}; "
            "download them into that folder, or pick a version the files there hold "
            f"(version_tag 'v5' reads test5.jsonl alone), or give one file with path=."
        )
    window = date_window(options, STUDY_WINDOW)
    rows: list[tuple[str, dict[str, Any]]] = []
    for file_name in files:
        _stream_hub_file(folder / file_name, file_name, window, rows)
    return rows, str(folder), f"local:{folder}:{tag}:{window[0] or ''}..{window[1] or ''}"
