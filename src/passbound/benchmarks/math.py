"""The math benchmarks of Yue et al. (2025): GSM8K, MATH500, Minerva, OlympiadBench, AIME24, AMC23.

Each benchmark is a ``MathBenchmark``: how to turn one row into a Problem (gold answers are
normalised the way the Qwen2.5-Math evaluation harness does it, evaluation/parser.py
``parse_ground_truth``, so pass rates are comparable with the paper), and where the hub copy
lives, pinned to a revision. The same parser reads the local copy (the Qwen2.5-Math /
simpleRL ``evaluation/data/<name>/test.jsonl`` files) and the hub copy, so its field lookups
accept both spellings ("question"/"problem", ...).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passbound.errors import DataError
from passbound.types import Problem, ProblemKind

from ._base import IdChecker, LoadedBenchmark, LoaderRequest, as_text, finish, resolve_local_file
from ._hub import HubSource, load_hub_rows
from .files import read_rows


class MissingField(Exception):
    """Raised by a row parser; the loader turns it into a DataError naming file and line."""

    def __init__(self, *names: str, why: str = "") -> None:
        super().__init__(names)
        self.names = names
        self.why = why


@dataclass(frozen=True)
class ParsedRow:
    id: str | None  # None: use the row index
    prompt: str
    target: str
    metadata: dict[str, Any] = field(default_factory=dict)
    media: tuple[str, ...] = ()  # image files (absolute paths) the prompt shows
    kind: ProblemKind | None = None  # None: the benchmark's kind (MathVista mixes choice and math)


RowParser = Callable[[dict[str, Any]], ParsedRow]


def pick(row: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` present in ``row`` with a non-empty value."""
    for name in names:
        value = row.get(name)
        if value is not None and (not isinstance(value, str) or value.strip()):
            return value
    raise MissingField(*names)


def optional(row: dict[str, Any], *names: str) -> Any:
    try:
        return pick(row, *names)
    except MissingField:
        return None


def last_boxed(text: str) -> str | None:
    r"""Content of the last ``\boxed{...}`` (or ``\fbox{...}``) in ``text``, braces matched."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    open_at = text.find("{", start)
    if open_at < 0:
        return None
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i].strip()
    return None  # unbalanced braces


def integer_if_whole(value: Any) -> str:
    """'27.0' / 27.0 -> '27' (AMC23 stores answers as floats); anything else unchanged."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = as_text(value)
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return text


def strip_dollars(answer: str) -> str:
    """'$2n$' -> '2n'; '$69$,$84$' -> '69, 84' (OlympiadBench writes answers in math mode)."""
    text = answer.strip()
    if text.endswith("$."):
        text = text[:-1]
    text = text.strip("$").strip()
    return re.sub(r"\$\s*,\s*\$", ", ", text)


# ---------------------------------------------------------------- row parsers, one per benchmark


def parse_gsm8k(row: dict[str, Any]) -> ParsedRow:
    answer = as_text(pick(row, "answer"))
    if "####" not in answer:
        raise MissingField("answer", why="has no '#### <number>' final answer")
    solution, _, final = answer.rpartition("####")
    return ParsedRow(
        id=None,
        prompt=as_text(pick(row, "question")),
        target=final.strip().replace(",", ""),
        metadata={"solution": solution.strip(), "answer_raw": final.strip()},
    )


def parse_math500(row: dict[str, Any]) -> ParsedRow:
    return ParsedRow(
        id=as_text(pick(row, "unique_id")),
        prompt=as_text(pick(row, "problem")),
        target=as_text(pick(row, "answer")),
        metadata={
            "level": optional(row, "level"),
            "subject": optional(row, "subject"),
            "solution": optional(row, "solution"),
        },
    )


def answer_or_boxed(row: dict[str, Any]) -> str:
    """The "answer" field, else the last \\boxed{} of "solution" (Minerva, math-ai/aime24)."""
    answer = optional(row, "answer")
    if answer is not None:
        return integer_if_whole(answer)
    solution = optional(row, "solution")
    target = last_boxed(as_text(solution)) if solution is not None else None
    if not target:
        raise MissingField("answer", why="is missing, and there is no solution ending in \\boxed{...} to take it from")
    return target


def parse_minerva(row: dict[str, Any]) -> ParsedRow:
    # The Qwen file has no "answer": its gold is the solution's last \boxed{} (Qwen2.5-Math
    # parse_ground_truth); the hub copy (math-ai/minervamath) has an "answer" field.
    solution = optional(row, "solution")
    target = answer_or_boxed(row)
    idx = optional(row, "idx", "id")
    return ParsedRow(
        id=None if idx is None else as_text(idx),
        prompt=as_text(pick(row, "problem", "question")),
        target=target,
        metadata={"type": optional(row, "type"), "solution": solution},
    )


def parse_olympiadbench(row: dict[str, Any]) -> ParsedRow:
    final = pick(row, "final_answer")
    if isinstance(final, str) and final.strip().startswith("["):
        try:  # a list stored as its Python repr: "['2']"
            final = ast.literal_eval(final.strip())
        except (ValueError, SyntaxError):
            pass
    answers = list(final) if isinstance(final, (list, tuple)) else [final]
    target = ", ".join(strip_dollars(as_text(a)) for a in answers if as_text(a))
    if not target:
        raise MissingField("final_answer", why="is an empty list")
    return ParsedRow(
        id=as_text(pick(row, "id")),
        prompt=as_text(pick(row, "question", "problem")),
        target=target,
        metadata={
            "final_answer": list(answers),
            "subfield": optional(row, "subfield"),
            "unit": optional(row, "unit"),
            "answer_type": optional(row, "answer_type"),
            "is_multiple_answer": optional(row, "is_multiple_answer"),
        },
    )


def parse_competition(row: dict[str, Any]) -> ParsedRow:
    """AIME24 / AMC23: integer answers, stored as strings (AIME) or floats (AMC)."""
    pid = optional(row, "id", "idx")
    return ParsedRow(
        id=None if pid is None else as_text(pid),
        prompt=as_text(pick(row, "problem", "question")),
        target=answer_or_boxed(row),
        metadata={
            "answer_raw": optional(row, "answer"),
            "url": optional(row, "url"),
            "solution": optional(row, "solution"),
        },
    )


def parse_generic(row: dict[str, Any]) -> ParsedRow:
    """Any local file: ``id`` (optional), problem/question/prompt, answer/target."""
    pid = optional(row, "id", "unique_id", "idx")
    return ParsedRow(
        id=None if pid is None else as_text(pid),
        prompt=as_text(pick(row, "problem", "question", "prompt")),
        target=integer_if_whole(pick(row, "answer", "target")),
        metadata={k: v for k, v in row.items() if k in ("level", "subject", "type", "solution")},
    )


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class MathBenchmark:
    """A registered math benchmark: a row parser plus its pinned hub location."""

    name: str
    description: str
    parse: RowParser
    hub: HubSource | None = None

    def __call__(self, request: LoaderRequest, /) -> LoadedBenchmark:
        split = request.split_or("test")
        local = resolve_local_file(self.name, path=request.path, data_dir=request.data_dir, split=split)
        if local is not None:
            return build(self.name, self.parse, read_rows(local), str(local), f"local:{local}", request.limit)
        if self.hub is None:
            raise DataError(f"benchmark {self.name!r} has no hub copy; give a local file with path=... or --data-dir.")
        rows, source = load_hub_rows(self.hub, split, self.name)
        return build(self.name, self.parse, rows, source, source, request.limit)


_PROBLEM_KINDS: dict[str, ProblemKind] = {"math": "math", "code": "code", "choice": "choice"}


def _problem_kind(kind: str, name: str) -> ProblemKind:
    """A benchmark's kind as its rows' kind; a mixed one (``vision``) must name each row's."""
    if kind not in _PROBLEM_KINDS:
        raise DataError(f"benchmark {name!r}: a {kind} row parser must set each row's kind (math, code or choice)")
    return _PROBLEM_KINDS[kind]


def build(
    name: str,
    parse: RowParser,
    rows: list[tuple[str, dict[str, Any]]],
    where_file: str,
    source: str,
    limit: int | None,
    *,
    kind: str = "math",
    if_empty: str = "",
    keep_none: bool = False,
) -> LoadedBenchmark:
    """Parse every row (all of them, so bad data is caught even with a limit), check ids, then cut.

    Shared by every file-backed family (math, code); ``if_empty`` (a hint) makes an empty
    result an error instead of an empty benchmark; ``keep_none`` keeps metadata fields whose
    value is None (code rows use them to say "unknown" explicitly).
    """
    ids = IdChecker(Path(where_file))
    problems = []
    for index, (where, row) in enumerate(rows):
        try:
            parsed = parse(row)
        except MissingField as exc:
            wanted = " or ".join(repr(n) for n in exc.names)
            problem = exc.why or "is missing or empty"
            raise DataError(
                f"{where_file}: {where}: field {wanted} {problem} (benchmark {name!r}); "
                f"fix that row or remove it. Fields present: {', '.join(sorted(row)) or 'none'}."
            ) from None
        pid = parsed.id if parsed.id is not None else str(index)
        ids.add(pid, where)
        problems.append(
            Problem(
                id=pid,
                benchmark=name,
                prompt=parsed.prompt,
                target=parsed.target,
                kind=parsed.kind or _problem_kind(kind, name),
                media=parsed.media,
                metadata={k: v for k, v in parsed.metadata.items() if keep_none or v is not None},
            )
        )
    if not problems and if_empty:
        raise DataError(f"benchmark {name!r}: no problems left in {where_file} ({if_empty}).")
    return finish(name, problems, source, limit, kind=kind)


def load_generic(request: LoaderRequest) -> LoadedBenchmark:
    """An unregistered benchmark read from the local file or folder ``request.path`` (see
    ``parse_generic``)."""
    name = request.name
    local = resolve_local_file(name, path=request.path, data_dir=None, split=request.split_or("test"))
    assert local is not None  # path was given
    return build(name, parse_generic, read_rows(local), str(local), f"local:{local}", request.limit)
