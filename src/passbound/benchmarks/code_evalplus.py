"""HumanEval, HumanEval+ and MBPP+ rows as code Problems (the evalplus layout).

Local files are the evalplus releases (``HumanEvalPlus.jsonl.gz`` v0.1.10, ``MbppPlus.jsonl.gz``
v0.2.0) and OpenAI's ``HumanEval.jsonl.gz``: one JSON object per line with ``task_id``,
``prompt``, ``entry_point``, ``canonical_solution``, and for the "+" sets ``base_input`` /
``plus_input`` (lists of argument lists), ``atol`` and ``contract``.

Every problem carries the same metadata keys (JSON values, as stored in the run directory):
``entry_point``, ``canonical_solution``, ``base_input``, ``plus_input`` (``[]`` for plain
HumanEval), ``atol`` (float), ``contract``, ``test`` (HumanEval's ``check()`` code; MBPP's
original asserts), ``prompt`` (as in the file) and ``dataset`` ("humaneval" | "mbpp").

``target`` is the complete reference program: HumanEval's canonical solution is only a function
body, so it is appended to the prompt, as evalplus does when it computes expected outputs
(``evalplus/evaluate.py``: ``problem["prompt"] + problem["canonical_solution"]``).

MBPP+ stores some inputs in a JSON-friendly form (tuples as lists, complex numbers as strings);
``decode_mbpp_inputs`` turns them back into the Python values the functions expect, following
evalplus's ``mbpp_deserialize_inputs`` (evalplus/data/mbpp.py, v0.2.0). The metadata keeps the
JSON form; a verifier decodes them where it runs the tests.
"""

from __future__ import annotations

from typing import Any

from .math import MissingField, ParsedRow

# ----------------------------------------------------------------- evalplus row parsers


def _text(row: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MissingField(name)
        return ""
    if not isinstance(value, str):
        raise MissingField(name, why=f"is a {type(value).__name__}, not text")
    return value


def _inputs(row: dict[str, Any], name: str) -> list[Any]:
    value = row.get(name)
    if value == {}:  # MbppPlus v0.2.0 writes Mbpp/793's empty plus_input as {}
        return []
    if not isinstance(value, list) or not all(isinstance(args, (list, tuple)) for args in value):
        raise MissingField(name, why="is not a list of argument lists")
    return [list(args) for args in value]


def _atol(row: dict[str, Any]) -> float:
    value = row.get("atol") or 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MissingField("atol", why=f"is {value!r}, not a number")
    return float(value)


def _evalplus_row(row: dict[str, Any], dataset: str, plus: bool) -> ParsedRow:
    prompt = _text(row, "prompt")
    entry_point = _text(row, "entry_point").strip()
    canonical = _text(row, "canonical_solution", required=False)
    if dataset == "humaneval":
        test = _text(row, "test", required=not plus)
        target = prompt + canonical if canonical else ""
    else:  # MBPP+: the canonical solution is a whole program; "assertion" holds MBPP's asserts
        test = _text(row, "assertion", required=False) or _text(row, "test", required=False)
        target = canonical.strip("\n") + "\n" if canonical.strip() else ""
    return ParsedRow(
        id=_text(row, "task_id").strip(),
        prompt=prompt,
        target=target,
        metadata={
            "entry_point": entry_point,
            "canonical_solution": canonical,
            "base_input": _inputs(row, "base_input") if plus else [],
            "plus_input": _inputs(row, "plus_input") if plus else [],
            "atol": _atol(row) if plus else 0.0,
            "contract": _text(row, "contract", required=False),
            "test": test,
            "prompt": prompt,
            "dataset": dataset,
        },
    )


def parse_humaneval(row: dict[str, Any]) -> ParsedRow:
    """OpenAI HumanEval (164): a ``check(candidate)`` test per task, no evalplus inputs."""
    return _evalplus_row(row, "humaneval", plus=False)


def parse_humaneval_plus(row: dict[str, Any]) -> ParsedRow:
    """HumanEval+ (evalplus v0.1.10): the base inputs plus ~80x more generated inputs."""
    return _evalplus_row(row, "humaneval", plus=True)


def parse_mbpp_plus(row: dict[str, Any]) -> ParsedRow:
    """MBPP+ (evalplus v0.2.0, 378 sanitized MBPP tasks)."""
    return _evalplus_row(row, "mbpp", plus=True)


# ----------------------------------------------------------------- MBPP+ input decoding

# Task numbers whose inputs evalplus stores with tuples written as lists, by nesting shape
# (evalplus/data/mbpp.py ``mbpp_deserialize_inputs``, MBPP+ v0.2.0).
_TUPLE_ARGS = frozenset(
    {2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809}
)
_TUPLES_IN_ARGS = frozenset({63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780})
_TUPLES_IN_FIRST = frozenset({75, 413, 444, 753})
_SECOND_TUPLE = frozenset({106, 750})
_FIRST_TUPLE = frozenset({250, 405, 446, 617, 720, 763, 808})
_TUPLE_OF_TUPLES = frozenset({259, 401, 445})
_ALL_TUPLES = frozenset({580, 615, 791})


def _deep_tuple(value: Any) -> Any:
    return tuple(_deep_tuple(v) for v in value) if isinstance(value, list) else value


def decode_mbpp_inputs(task_id: str, inputs: list[Any]) -> list[Any]:
    """MBPP+ argument lists as the reference solutions expect them (tuples, sets, complex).

    Pure stdlib so a verifier can call it in (or ship it to) the process that runs the tests.
    Tasks not listed by evalplus are returned unchanged.
    """
    n = int(task_id.rsplit("/", 1)[-1])
    if n in _TUPLE_ARGS:
        return [[tuple(a) for a in args] for args in inputs]
    if n in _TUPLES_IN_ARGS:
        return [[[tuple(x) for x in a] for a in args] for args in inputs]
    if n in _TUPLES_IN_FIRST:
        return [[[tuple(x) for x in args[0]], args[1]] for args in inputs]
    if n in _SECOND_TUPLE:
        return [[args[0], tuple(args[1])] for args in inputs]
    if n == 115:  # evalplus writes an empty item as {} (a dict), which the reference accepts
        return [[[set(x) if isinstance(x, list) and x else {} for x in args[0]]] for args in inputs]
    if n == 124:
        return [(float(args[0]), complex(args[1])) for args in inputs]
    if n in _FIRST_TUPLE:
        return [[tuple(args[0]), *args[1:]] for args in inputs]
    if n in _TUPLE_OF_TUPLES:
        return [[tuple(tuple(x) for x in a) for a in args] for args in inputs]
    if n == 278:
        return [[tuple(tuple(x) if isinstance(x, list) else x for x in args[0])] for args in inputs]
    if n == 307:
        return [[tuple(args[0]), args[1], args[2]] for args in inputs]
    if n == 722:
        return [[{k: tuple(v) for k, v in args[0].items()}, *args[1:]] for args in inputs]
    if n == 252:
        return [[complex(args[0])] for args in inputs]
    if n in _ALL_TUPLES:
        return [_deep_tuple(args) for args in inputs]
    return inputs
