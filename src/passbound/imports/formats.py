"""Readers for sample files made by other tools, each reduced to the same rows.

Named formats (``--format``):

- ``jsonl``: passbound's own, one completion per line:
  ``{"benchmark", "problem_id", "index", "text"}`` plus optional ``finish_reason``, ``n_tokens``.
- ``lm-eval``: lm-evaluation-harness ``samples_<task>_<time>.jsonl`` (``--log_samples``), one
  line per (document, filter): ``doc_id`` (the document's position in the task's dataset), ``doc``
  (the dataset row), ``resps`` (per request, the list of its generations; ``repeats`` gives
  several), ``filter`` (the filter whose ``filtered_resps`` the line scores) and ``arguments``
  (per request ``gen_args_i``: ``arg_0`` the prompt, ``arg_1`` the generation kwargs). The file
  repeats each document's generations once per filter (lm_eval/evaluator.py loops over filters,
  then documents); ``pick_lm_eval_filter`` keeps one copy.
- ``limit-of-rlvr``: the study's own ``math_eval.py --save_outputs`` files (Yue et al. 2025,
  github.com/LeapLabTHU/limit-of-RLVR), one problem per line: ``idx``, ``question``, ``code``
  (the n completions) and ``finish_reason`` (one per completion).

Where a format names its problem by dataset position, the row's question text (when it has one)
is kept so the importer can check that the position lands on the same problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.errors import DataError


@dataclass(frozen=True)
class ImportedRow:
    """One completion as a source file gave it, before it is matched to a study problem."""

    where: str  # "FILE:LINE", for error messages
    benchmark: str | None
    key: str | int  # a problem id (by value) or a position in the benchmark's problem list
    index: int
    text: str
    finish_reason: str | None = None
    n_tokens: int | None = None
    question: str | None = None  # the problem statement the source recorded, when it has one
    variant: str | None = None  # lm-eval: the filter the line was logged under (a copy of the same generations)
    settings: tuple[tuple[str, Any], ...] = ()  # sampling settings the source recorded, in passbound's names


_INT32 = 2**31 - 1  # n_tokens and index are int32 columns in the run directory


def _is_gzip(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose key repeats (a hand-edited or concatenated line) is ambiguous: json.loads
    would keep the last value without a word, e.g. the second of two texts."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


def _lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, object) for every non-blank line; a line that is not a JSON object stops the import."""
    import gzip
    import zlib

    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    obj = json.loads(line, object_pairs_hook=_unique_keys)
                except _DuplicateKey as exc:
                    raise DataError(
                        f"{where}: field {exc.args[0]!r} appears twice in one object (JSON keeps only "
                        "the last); keep one"
                    ) from None
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"{where}: not valid JSON ({exc.msg}); every line must be one JSON object"
                    ) from None
                except (RecursionError, ValueError) as exc:  # nesting too deep, an integer too long
                    raise DataError(f"{where}: not a JSON object passbound can read ({type(exc).__name__})") from None
                if not isinstance(obj, dict):
                    raise DataError(f"{where}: a JSON {type(obj).__name__}, expected an object")
                yield where, obj
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read {path}: {exc or type(exc).__name__} (a corrupt or truncated file?)") from None


def _field(where: str, obj: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    value = obj.get(name)
    if value is None:
        if required:
            raise DataError(f"{where}: field {name!r} is missing; fields present: {', '.join(sorted(obj)) or 'none'}")
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DataError(f"{where}: field {name!r} is a {type(value).__name__}, expected {names}")
    return value


def _count(where: str, name: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= _INT32:
        raise DataError(f"{where}: field {name!r} is {value}; it must be between 0 and {_INT32}")
    return value


def _text(where: str, name: str, value: str) -> str:
    """A completion must be storable as UTF-8 (JSON allows lone surrogates, Parquet does not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(f"{where}: field {name!r} holds a lone surrogate (invalid Unicode); fix the text") from None
    return value


def _optional_text(where: str, name: str, value: str | None) -> str | None:
    return None if value is None else _text(where, name, value)


def read_jsonl(path: Path) -> Iterator[ImportedRow]:
    for where, obj in _lines(path):
        key = _field(where, obj, "problem_id", (str, int))
        yield ImportedRow(
            where=where,
            benchmark=_field(where, obj, "benchmark", str, required=False),
            key=str(key),
            index=_count(where, "index", _field(where, obj, "index", int)),  # type: ignore[arg-type]
            text=_text(where, "text", _field(where, obj, "text", str)),
            finish_reason=_optional_text(
                where, "finish_reason", _field(where, obj, "finish_reason", str, required=False)
            ),
            n_tokens=_count(where, "n_tokens", _field(where, obj, "n_tokens", int, required=False)),
        )


_QUESTION_FIELDS = ("problem", "question", "prompt")


def _question(doc: Any) -> str | None:
    """The statement a dataset row records, under any capitalisation: lm-eval's aime24 docs
    (Maxwell-Jia/AIME_2024) say "Problem", and a missed field would leave the position unchecked."""
    if not isinstance(doc, dict):
        return None
    by_name = {name.lower(): value for name, value in doc.items() if isinstance(value, str)}
    return next((by_name[name] for name in _QUESTION_FIELDS if name in by_name), None)


# lm-eval's generation kwargs (the task's generation_kwargs with --gen_kwargs applied) under the
# names passbound's sampling settings use; the rest (``until``, backend-specific keys) is not shown.
_LM_EVAL_SETTINGS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "do_sample": "do_sample",
    "seed": "seed",
    "max_gen_toks": "max_tokens",
    "max_new_tokens": "max_tokens",
    "max_tokens": "max_tokens",
}


def _lm_eval_settings(obj: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The sampling settings the line's first request was made with, as its ``arguments`` record
    them (``{"gen_args_0": {"arg_0": prompt, "arg_1": kwargs}}``; before 0.4.3 a list of argument
    lists); () when the line records none."""
    arguments = obj.get("arguments")
    first: Any = None
    if isinstance(arguments, dict):
        first = arguments.get("gen_args_0")
        first = list(first.values()) if isinstance(first, dict) else None
    elif isinstance(arguments, list) and arguments:
        first = arguments[0]
    kwargs = next((a for a in first if isinstance(a, dict)), None) if isinstance(first, list) else None
    if kwargs is None:
        return ()
    found = {
        ours: kwargs[theirs]
        for theirs, ours in _LM_EVAL_SETTINGS.items()
        if isinstance(kwargs.get(theirs), (int, float, str, bool))
    }
    return tuple(sorted(found.items()))


def read_lm_eval(path: Path) -> Iterator[ImportedRow]:
    for where, obj in _lines(path):
        doc_id = _count(where, "doc_id", _field(where, obj, "doc_id", int))
        resps = _field(where, obj, "resps", list)
        variant = _optional_text(where, "filter", _field(where, obj, "filter", str, required=False))
        settings = _lm_eval_settings(obj)
        texts: list[Any] = [t for request in resps for t in (request if isinstance(request, list) else [request])]
        if not texts:
            raise DataError(f"{where}: 'resps' holds no generation")
        for j, text in enumerate(texts):
            if not isinstance(text, str):
                raise DataError(
                    f"{where}: generation {j} in 'resps' is a {type(text).__name__}, expected a string "
                    "(only generate_until tasks have completions to import)"
                )
            yield ImportedRow(
                where=where,
                benchmark=None,
                key=doc_id,  # type: ignore[arg-type]
                index=j,
                text=_text(where, f"resps[{j}]", text),
                question=_question(obj.get("doc")),
                variant=variant,
                settings=settings,
            )


def _filter_name(name: str | None) -> str:
    return repr(name) if name is not None else "(lines without a filter field)"


def _first_difference(a: list[ImportedRow], b: list[ImportedRow], name_a: str, name_b: str) -> str:
    """Where two filters' copies of the generations first part, for the error message."""
    texts_a = {(str(r.key), r.index): r for r in a}
    texts_b = {(str(r.key), r.index): r for r in b}
    for key in sorted(texts_a.keys() | texts_b.keys()):
        ra, rb = texts_a.get(key), texts_b.get(key)
        if ra is None or rb is None:
            there, missing = (name_b, name_a) if ra is None else (name_a, name_b)
            return f"doc_id {key[0]} generation {key[1]} is under {there} but not under {missing}"
        if ra.text != rb.text:
            return f"doc_id {key[0]} generation {key[1]} differs ({ra.where} and {rb.where})"
        if ra.question != rb.question:
            return f"doc_id {key[0]} has different questions in its 'doc' ({ra.where} and {rb.where})"
    return f"the filters hold different numbers of lines ({len(a)} and {len(b)} generations)"


def pick_lm_eval_filter(rows: list[ImportedRow], chosen: str | None) -> tuple[list[ImportedRow], list[str | None]]:
    """One copy of an lm-eval file's generations, and the filters the file names (in file order).

    lm-eval logs every document once per filter with the same ``resps`` (only ``filtered_resps``
    differs), so identical copies are one sample set. Copies that differ (a filter that changed
    the generations, or files of different runs put together) are not merged or picked silently:
    the user names the filter (``chosen``) whose generations are the samples.
    """
    groups: dict[str | None, list[ImportedRow]] = {}
    for row in rows:
        groups.setdefault(row.variant, []).append(row)
    names = list(groups)
    found = ", ".join(_filter_name(n) for n in names)
    if chosen is not None:
        if chosen not in groups:
            raise DataError(
                f"--lm-eval-filter {chosen!r} names no filter in the file; its filters: {found}. Nothing was imported."
            )
        return groups[chosen], names
    if len(names) <= 1:
        return rows, names
    key = lambda r: (str(r.key), r.index, r.text, r.question or "")  # noqa: E731
    first, reference = names[0], sorted(map(key, groups[names[0]]))
    for name in names[1:]:
        if sorted(map(key, groups[name])) != reference:
            where = _first_difference(groups[first], groups[name], _filter_name(first), _filter_name(name))
            raise DataError(
                f"the file logs its generations under the filters {found}, and the generations "
                f"('resps') of {_filter_name(first)} and {_filter_name(name)} differ: {where}. Choose "
                "the filter whose generations to import with --lm-eval-filter NAME. Nothing was imported."
            )
    return groups[first], names


def _completions(where: str, name: str, values: list[Any]) -> list[str]:
    """Every entry of a list of completions must be a string (a nested list is a different layout)."""
    for j, text in enumerate(values):
        if not isinstance(text, str):
            raise DataError(f"{where}: completion {j} in {name!r} is a {type(text).__name__}, expected a string")
    return [_text(where, f"{name}[{j}]", text) for j, text in enumerate(values)]


def _reasons(where: str, reasons: Any, count: int) -> list[str | None]:
    """One finish reason (a string, or null) per completion; anything else would be dropped unseen."""
    if reasons is None:
        return [None] * count
    if not isinstance(reasons, list) or len(reasons) != count:
        raise DataError(f"{where}: 'finish_reason' must be a list with one entry per completion in 'code'")
    bad = next((j for j, r in enumerate(reasons) if r is not None and not isinstance(r, str)), None)
    if bad is not None:
        raise DataError(f"{where}: finish_reason {bad} is a {type(reasons[bad]).__name__}, expected a string or null")
    return [_optional_text(where, "finish_reason", r) or None for r in reasons]


def read_limit_of_rlvr(path: Path) -> Iterator[ImportedRow]:
    for where, obj in _lines(path):
        idx = _count(where, "idx", _field(where, obj, "idx", int))
        codes = _completions(where, "code", _field(where, obj, "code", list))
        reasons = _reasons(where, obj.get("finish_reason"), len(codes))
        for j, (text, reason) in enumerate(zip(codes, reasons)):
            yield ImportedRow(
                where=where,
                benchmark=None,
                key=idx,  # type: ignore[arg-type]
                index=j,
                text=text,
                finish_reason=reason,
                question=_question(obj),
            )


# name -> (reader, how its keys name problems: "id" = by problem id, "position" = by dataset position)
FORMATS: dict[str, tuple[Callable[[Path], Iterator[ImportedRow]], str]] = {
    "jsonl": (read_jsonl, "id"),
    "lm-eval": (read_lm_eval, "position"),
    "limit-of-rlvr": (read_limit_of_rlvr, "position"),
}
